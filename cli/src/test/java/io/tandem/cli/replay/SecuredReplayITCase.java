package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.cli.demo.WarmUp;
import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.SaslSsl;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.Keystores;
import io.tandem.testkit.MiniClusters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay whose clients, like the job's, reach a broker that only takes SASL/SCRAM over TLS with
 * the settings passed as {@code tandem.kafka.client.*}.
 */
class SecuredReplayITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    @Test
    void replaysTheTandemSampleOverSaslScramOnTls(@TempDir Path keys) throws Exception {
        Keystores.Pair stores = Keystores.selfSigned(keys, "store-pw-2b8");
        SaslSsl security =
                new SaslSsl(
                        stores.keystore(),
                        stores.truststore(),
                        "store-pw-2b8",
                        "broker",
                        "broker-pw-71a",
                        Map.of(),
                        Map.of("replayer", "scram-pw-9d4"));
        try (EmbeddedKafka kafka = EmbeddedKafka.startSecured(security)) {
            Map<String, String> settings = new HashMap<>();
            settings.put("tandem.kafka.bootstrap-servers", kafka.bootstrapServers());
            settings.put("tandem.kafka.topic-partitions", "2");
            settings.put("tandem.model.dir", BundledModel.target().toString());
            settings.put("tandem.mode", "ad");
            settings.put("tandem.parallelism", "2");
            settings.put("tandem.checkpoint.interval", "0 ms");
            security.clientSettings(SaslSsl.SCRAM_SHA_256, "replayer")
                    .forEach((k, v) -> settings.put(JobConfig.KAFKA_CLIENT_PREFIX + k, v));
            JobConfig config = JobConfig.from(Configuration.fromMap(settings));
            TopicProvisioner.ensureTopics(config.kafka());
            StreamExecutionEnvironment env = TandemJob.environment(config, 2);
            TandemJob.wireKafka(env, config, false);
            JobClient job = env.executeAsync("secured-replay-it");
            try {
                WarmUp.serve(config, "it", 8, Duration.ofSeconds(120));
                Path trace = SampleTraces.file(SampleTraces.TANDEM);

                ReplayReport report =
                        TraceReplays.replay(
                                config, trace, TraceFormat.JSONL, 20, new AtomicBoolean());

                assertThat(report.complete()).isTrue();
                assertThat(report.count(Status.ANSWERED))
                        .isEqualTo(ReplayRun.count(trace, TraceFormat.JSONL, Long.MAX_VALUE));
            } finally {
                job.cancel().get(30, TimeUnit.SECONDS);
            }
        }
    }
}
