package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestProducer;
import io.tandem.local.SaslSsl;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.GreedyReference;
import io.tandem.testkit.JobSettings;
import io.tandem.testkit.Keystores;
import io.tandem.testkit.Requests;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on a broker that only takes SASL over TLS, with the client settings passed through as
 * {@code tandem.kafka.client.*}: PLAIN and SCRAM-SHA-256, a key generated for the test.
 */
class SecuredKafkaITCase {

    private static final String STORE_PASSWORD = "store-pw-5d1";
    private static final String PLAIN_PASSWORD = "plain-pw-8c2";
    private static final String SCRAM_PASSWORD = "scram-pw-0e7";
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    @TempDir static Path keys;

    private static SaslSsl security;
    private static EmbeddedKafka kafka;

    // everything Kafka's clients, Flink and the job log at INFO while this class runs
    private static final StringWriter LOG = new StringWriter();
    private static final List<String> SCANNED =
            List.of("org.apache.kafka", "org.apache.flink", "io.tandem");

    @BeforeAll
    static void startKafka() throws Exception {
        captureLogs();
        Keystores.Pair stores = Keystores.selfSigned(keys, STORE_PASSWORD);
        security =
                new SaslSsl(
                        stores.keystore(),
                        stores.truststore(),
                        STORE_PASSWORD,
                        "broker",
                        "broker-pw-3f9",
                        Map.of("plain-client", PLAIN_PASSWORD),
                        Map.of("tandem", SCRAM_PASSWORD));
        kafka = EmbeddedKafka.startSecured(security);
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
        ((LoggerContext) LogManager.getContext(false)).reconfigure();
    }

    /** Sends the scanned loggers at INFO to {@link #LOG} alone (not to the console). */
    private static void captureLogs() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        org.apache.logging.log4j.core.config.Configuration logging = context.getConfiguration();
        WriterAppender appender =
                WriterAppender.newBuilder()
                        .setName("secrets-scan")
                        .setTarget(LOG)
                        .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build())
                        .build();
        appender.start();
        logging.addAppender(appender);
        for (String name : SCANNED) {
            LoggerConfig logger = new LoggerConfig(name, Level.INFO, false);
            logger.addAppender(appender, Level.INFO, null);
            logging.addLogger(name, logger);
        }
        context.updateLoggers();
    }

    @Test
    void servesRequestsOverSaslPlainOnTls() throws Exception {
        assertServedOverSaslSsl("plain", SaslSsl.PLAIN, "plain-client");
    }

    @Test
    void servesRequestsOverSaslScramOnTls() throws Exception {
        assertServedOverSaslSsl("scram", SaslSsl.SCRAM_SHA_256, "tandem");
    }

    @Test
    void aClientWithoutCredentialsGetsNothing() {
        Properties plaintext = new Properties();
        plaintext.put("bootstrap.servers", kafka.bootstrapServers());
        plaintext.put("request.timeout.ms", "3000");
        plaintext.put("default.api.timeout.ms", "3000");

        assertThat(
                        org.assertj.core.api.Assertions.catchThrowable(
                                () ->
                                        TopicReader.read(
                                                plaintext,
                                                "anything",
                                                1,
                                                Duration.ofSeconds(3),
                                                bytes -> bytes)))
                .isNotNull();
    }

    private void assertServedOverSaslSsl(String name, String mechanism, String user)
            throws Exception {
        Map<String, String> settings = JobSettings.isolated(kafka.bootstrapServers(), name);
        security.clientSettings(mechanism, user)
                .forEach((key, value) -> settings.put(JobConfig.KAFKA_CLIENT_PREFIX + key, value));
        JobConfig config = JobConfig.from(Configuration.fromMap(settings));
        TopicProvisioner.ensureTopics(config.kafka());
        Properties client = config.kafka().clientProperties("test");
        List<InferenceRequest> requests =
                List.of(
                        Requests.greedy(name + "-1", "It is a truth universally", 12),
                        Requests.greedy(name + "-2", "Emma Woodhouse", 9),
                        Requests.greedy(name + "-3", "She said", 7));
        try (RequestProducer producer =
                new RequestProducer(client, config.kafka().requestsTopic())) {
            requests.forEach(producer::send);
        }

        StreamExecutionEnvironment env = TandemJob.environment(config, 2);
        TandemJob.wireKafka(env, config, true);
        env.execute(TandemJob.JOB_NAME);
        List<InferenceResult> results =
                TopicReader.read(
                        client,
                        config.kafka().resultsTopic(),
                        requests.size(),
                        READ_TIMEOUT,
                        bytes -> AvroBytes.decode(bytes, InferenceResult.class));

        assertThat(GreedyReference.served(results))
                .isEqualTo(GreedyReference.tokens(BundledModel.tiny(), requests));
        // the job's settings as printed, its results, and every log line so far (the clients'
        // settings dumps included) keep the secrets out
        assertThat(config.toString())
                .doesNotContain(PLAIN_PASSWORD, SCRAM_PASSWORD, STORE_PASSWORD);
        assertThat(results.toString())
                .doesNotContain(PLAIN_PASSWORD, SCRAM_PASSWORD, STORE_PASSWORD);
        String log = LOG.toString();
        assertThat(log).contains("sasl.jaas.config = [hidden]");
        assertThat(log).doesNotContain(PLAIN_PASSWORD, SCRAM_PASSWORD, STORE_PASSWORD);
    }
}
