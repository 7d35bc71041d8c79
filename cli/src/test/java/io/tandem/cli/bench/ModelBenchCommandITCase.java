package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.profile.MeasuredPair;
import io.tandem.profile.ProfileFormat;
import io.tandem.testkit.BundledModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem bench models} on the bundled pair, kept short (one repetition, two prompts): the
 * figures must be what they claim, whatever the machine's speed.
 */
class ModelBenchCommandITCase {

    private static final int PROMPTS = 2;
    private static final int NEW_TOKENS = 24;

    @Test
    void profilesThePairWithFiguresInsideTheirBounds(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("pair.json");
        Path models = BundledModel.target().getParent();

        int exit =
                new CommandLine(new ModelBenchCommand())
                        .execute(
                                "--draft",
                                BundledModel.draft().toString(),
                                "--target",
                                BundledModel.target().toString(),
                                "--held-out",
                                models.resolve("data/austen-heldout.txt").toString(),
                                "--prompts",
                                String.valueOf(PROMPTS),
                                "--new-tokens",
                                String.valueOf(NEW_TOKENS),
                                "--repetitions",
                                "1",
                                "--json",
                                json.toString());

        assertThat(exit).isZero();
        JsonObject report = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject summary = report.getAsJsonObject("summary");
        JsonObject sdVersusAd = report.getAsJsonObject("sd_vs_ad_b1");
        // speculation changes how fast, never what: greedy output is the target's own
        assertThat(summary.get("greedy_identical").getAsBoolean()).isTrue();
        assertThat(sdVersusAd.get("identical").getAsBoolean()).isTrue();
        assertThat(sdVersusAd.get("tokens").getAsLong()).isBetween(1L, (long) PROMPTS * NEW_TOKENS);
        assertThat(summary.get("sd_ad_wall_ratio_b1").getAsDouble())
                .isCloseTo(
                        sdVersusAd.get("sd_ms").getAsDouble()
                                / sdVersusAd.get("ad_ms").getAsDouble(),
                        within(1e-9));

        for (String model : new String[] {"draft", "target"}) {
            JsonObject profile = report.getAsJsonObject(model);
            assertTimes(
                    profile.getAsJsonObject(ProfileFormat.DECODE_BY_BATCH),
                    ModelBenchCommand.BATCHES);
            assertTimes(
                    profile.getAsJsonObject(ProfileFormat.DECODE_BY_CONTEXT),
                    ModelBenchCommand.CONTEXTS);
            assertTimes(
                    profile.getAsJsonObject(ProfileFormat.PREFILL_BY_PROMPT),
                    ModelBenchCommand.PREFILLS);
            JsonObject verify = profile.getAsJsonObject(ProfileFormat.VERIFY_BY_TOKENS);
            assertThat(verify.size()).isEqualTo(ModelBenchCommand.VERIFY_BATCHES.length);
            // a verify pass appends 2..γ+1 tokens
            int[] appended = IntStream.rangeClosed(2, ModelBenchCommand.MAX_GAMMA + 1).toArray();
            verify.entrySet()
                    .forEach(batch -> assertTimes(batch.getValue().getAsJsonObject(), appended));
        }

        // γ = 1..8: a round yields the verified token plus at most γ accepted drafts
        var acceptance = report.getAsJsonArray("acceptance");
        assertThat(acceptance).hasSize(ModelBenchCommand.MAX_GAMMA);
        for (JsonElement element : acceptance) {
            JsonObject point = element.getAsJsonObject();
            int gamma = point.get("gamma").getAsInt();
            assertThat(point.get("tokens_per_round").getAsDouble()).isBetween(1.0, gamma + 1.0);
            assertThat(point.get("alpha").getAsDouble()).isBetween(0.0, 1.0);
            assertThat(point.get("accepted_fraction").getAsDouble()).isBetween(0.0, 1.0);
            assertThat(point.get("rounds").getAsLong()).isPositive();
            if (gamma == ModelBenchCommand.SD_GAMMA) {
                assertThat(summary.get("alpha_gamma4").getAsDouble())
                        .isEqualTo(point.get("alpha").getAsDouble());
            }
        }

        // what simulate --profile and the planner read back
        MeasuredPair pair = MeasuredPair.read(json);
        assertThat(pair.alpha()).isEqualTo(summary.get("alpha_gamma4").getAsDouble());
    }

    /** Every measured shape is there, each with a positive, finite time. */
    private static void assertTimes(JsonObject times, int[] shapes) {
        assertThat(times.keySet())
                .containsExactlyInAnyOrder(
                        Arrays.stream(shapes).mapToObj(String::valueOf).toArray(String[]::new));
        for (Map.Entry<String, JsonElement> entry : times.entrySet()) {
            assertThat(entry.getValue().getAsDouble()).as(entry.getKey()).isPositive().isFinite();
        }
    }
}
