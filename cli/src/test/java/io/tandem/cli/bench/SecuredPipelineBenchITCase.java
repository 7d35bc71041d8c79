package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.job.config.JobConfig;
import io.tandem.local.EmbeddedKafka;
import io.tandem.local.SaslSsl;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.Keystores;
import io.tandem.testkit.MiniClusters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem bench pipeline} against a cluster of the user's that only takes SASL/SCRAM over
 * TLS: the job's and the benchmark's own clients take the settings passed as {@code
 * tandem.kafka.client.*}, and the passwords stay out of the report.
 */
class SecuredPipelineBenchITCase {

    @RegisterExtension static final MiniClusterExtension FLINK = MiniClusters.twoTaskManagers();

    private static final String PASSWORD = "scram-pw-5e1";

    @Test
    void servesEveryRequestThroughASecuredBroker(@TempDir Path dir) throws Exception {
        Keystores.Pair stores =
                Keystores.selfSigned(Files.createDirectories(dir.resolve("keys")), "store-pw-c37");
        SaslSsl security =
                new SaslSsl(
                        stores.keystore(),
                        stores.truststore(),
                        "store-pw-c37",
                        "broker",
                        "broker-pw-44b",
                        Map.of(),
                        Map.of("bench", PASSWORD));
        Path json = dir.resolve("bench-pipeline.json");
        try (EmbeddedKafka kafka = EmbeddedKafka.startSecured(security)) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "--bootstrap", kafka.bootstrapServers(),
                                    "--requests", "3",
                                    "--rates", "4",
                                    "--modes", "ad",
                                    "--new-tokens", "8",
                                    "--held-out", BundledModel.heldOut().toString(),
                                    "--json", json.toString()));
            security.clientSettings(SaslSsl.SCRAM_SHA_256, "bench")
                    .forEach(
                            (k, v) -> {
                                args.add("--set");
                                args.add(JobConfig.KAFKA_CLIENT_PREFIX + k + "=" + v);
                            });
            args.addAll(BundledModel.pairOptions());

            int exit =
                    new CommandLine(new PipelineBenchCommand())
                            .execute(args.toArray(String[]::new));

            assertThat(exit).isZero();
        }
        String report = Files.readString(json);
        JsonObject summary =
                JsonParser.parseString(report).getAsJsonObject().getAsJsonObject("summary");
        assertThat(summary.get("lost").getAsInt()).isZero();
        assertThat(summary.get("duplicated").getAsInt()).isZero();
        assertThat(report).doesNotContain(PASSWORD).doesNotContain("store-pw-c37");
    }
}
