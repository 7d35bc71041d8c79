package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.testkit.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench tenants} at its smallest, on stages emulated from the GPU profile: the steady tenant
 * is answered in full in every run, the burst is served whole without a bound, and with one every
 * burst request is either served or refused as overloaded; a running bound refuses none of them.
 */
class TenantBenchCommandITCase {

    @Test
    void theSteadyTenantIsServedBesideABurstThatItsBoundCuts(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench-tenants.json");
        int exit =
                new CommandLine(new TenantBenchCommand())
                        .execute(
                                "--pairs", "gpu",
                                "--seconds", "4",
                                "--rate", "4",
                                "--burst", "40",
                                "--burst-at", "PT1S",
                                "--bound", "4",
                                "--new-tokens", "16",
                                "--gpu-profile", BundledModel.gpuProfile("h200-68m-7b").toString(),
                                "--held-out", BundledModel.heldOut().toString(),
                                "--set", "tandem.model.dir=" + BundledModel.target(),
                                "--json", json.toString());

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        Map<String, JsonObject> runs = new HashMap<>();
        for (JsonElement run : report.getAsJsonArray("runs")) {
            runs.put(run.getAsJsonObject().get("run").getAsString(), run.getAsJsonObject());
        }
        assertThat(runs).containsOnlyKeys("alone", "burst", "burst-bounded", "burst-shared");
        runs.values()
                .forEach(
                        r -> assertThat(r.get("steady_lost").getAsInt()).as(r.toString()).isZero());
        assertThat(runs.get("burst").get("burst_served").getAsInt()).isEqualTo(40);
        JsonObject bounded = runs.get("burst-bounded");
        assertThat(bounded.get("burst_overloaded").getAsInt()).isPositive();
        assertThat(
                        bounded.get("burst_served").getAsInt()
                                + bounded.get("burst_overloaded").getAsInt())
                .isEqualTo(40);
        JsonObject shared = runs.get("burst-shared");
        assertThat(shared.get("running_bound").getAsInt()).isEqualTo(2);
        assertThat(
                        shared.get("burst_served").getAsInt()
                                + shared.get("burst_overloaded").getAsInt())
                .isEqualTo(40);
        JsonObject summary = report.getAsJsonObject("summary");
        assertThat(summary.get("steady_p99_ratio_bounded_gpu").getAsDouble()).isPositive();
        assertThat(summary.get("steady_p99_ratio_shared_gpu").getAsDouble()).isPositive();
    }
}
