package io.tandem.cli;

import io.tandem.cli.demo.DemoReport;
import io.tandem.cli.demo.DemoRequests;
import io.tandem.job.JobOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.RequestProducer;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The whole path on one machine: an embedded Kafka broker, a local Flink with two TaskManagers
 * running the streaming job, a warm-up request, then sample requests plus one malformed record sent
 * while the job runs, and what came out.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Serve sample requests end to end on an embedded Kafka broker and a local"
                        + " 2-TaskManager Flink.")
public final class DemoCommand implements Callable<Integer> {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(120);

    private static final int WARM_UP_WAVES = 4;

    private static final int WARM_UP_TOKENS = 48;

    @Mixin JobOptions job;

    @Mixin LocalCluster cluster;

    @Option(
            names = "--gap",
            paramLabel = "DURATION",
            defaultValue = "PT0.02S",
            description = "Pause between sample requests, as ISO-8601 (default: 20 ms).")
    Duration gap;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the summary as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            Map<String, String> base = JobOptions.localDefaults();
            base.put(TandemOptions.BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers());
            JobConfig config = job.resolve(base);
            out.printf(
                    "Tandem demo: Kafka %s (embedded), Flink local with %d TaskManagers, model"
                            + " %s%n",
                    kafka.bootstrapServers(),
                    cluster.taskManagers(),
                    config.generation().modelDir());

            JobClient client = cluster.start(config, TandemJob.JOB_NAME);
            try (RequestProducer producer =
                    new RequestProducer(kafka.bootstrapServers(), config.kafka().requestsTopic())) {
                InferenceRequest warmUp = DemoRequests.warmUp(Instant.now());
                producer.send(warmUp);
                List<InferenceResult> warm = awaitResults(kafka, config, 1);
                out.printf(
                        "Job running; the warm-up request took %.1f s (job start-up and model"
                                + " load).%n",
                        warm.isEmpty() ? Double.NaN : warm.get(0).getLatency().getTotalMs() / 1000);

                // a serving job is warm: waves of short requests let the JIT compile the loop's
                // and the models' code before the burst that is measured
                int rehearsed = 0;
                for (int wave = 0; wave < WARM_UP_WAVES; wave++) {
                    for (InferenceRequest request :
                            DemoRequests.warmUps(
                                    config.batching().lanes(), "wave-" + wave, WARM_UP_TOKENS)) {
                        producer.send(request);
                        rehearsed++;
                    }
                    awaitResults(kafka, config, 1 + rehearsed);
                }
                List<InferenceRequest> requests = DemoRequests.requests();
                for (int i = 0; i < requests.size(); i++) {
                    InferenceRequest request = requests.get(i);
                    request.setClientSendTime(Instant.now());
                    producer.send(request);
                    if (i == requests.size() / 2) {
                        producer.sendRaw("malformed", DemoRequests.malformedRecord());
                    }
                    Thread.sleep(gap.toMillis());
                }
                out.printf(
                        "Sent %d requests and 1 malformed record to %s, %d ms apart.%n%n",
                        requests.size(), config.kafka().requestsTopic(), gap.toMillis());

                List<InferenceResult> results =
                        awaitResults(kafka, config, requests.size() + 1 + rehearsed).stream()
                                .filter(r -> r.getRequestId().startsWith("demo-"))
                                .collect(Collectors.toList());
                List<DeadLetter> deadLetters =
                        TopicReader.read(
                                kafka.bootstrapServers(),
                                config.kafka().deadLetterTopic(),
                                1,
                                READ_TIMEOUT,
                                bytes -> AvroBytes.decode(bytes, DeadLetter.class));

                DemoReport report = new DemoReport(requests, results, deadLetters);
                report.print(out);
                if (json != null) {
                    report.summary().write(json);
                    out.println("Wrote " + json);
                }
                return report.isComplete(1) ? 0 : 1;
            } finally {
                LocalCluster.stop(client);
            }
        }
    }

    private static List<InferenceResult> awaitResults(
            EmbeddedKafka kafka, JobConfig config, int count) {
        return TopicReader.read(
                kafka.bootstrapServers(),
                config.kafka().resultsTopic(),
                count,
                READ_TIMEOUT,
                bytes -> AvroBytes.decode(bytes, InferenceResult.class));
    }
}
