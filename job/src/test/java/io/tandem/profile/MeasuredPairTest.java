package io.tandem.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.planner.BatchShape;
import io.tandem.planner.cost.MeasuredStageCosts;
import io.tandem.planner.cost.StepFit;
import io.tandem.planner.cost.StepSample;
import io.tandem.planner.cost.StepTable;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.ModelProfiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeasuredPairTest {

    @Test
    void readsEveryMeasurementAtItsBatchTokensAndContext(@TempDir Path dir) throws Exception {
        MeasuredPair pair = MeasuredPair.read(ModelProfiles.write(dir));

        assertThat(pair.target().model()).isEqualTo("tiny-target");
        assertThat(pair.alpha()).isEqualTo(ModelProfiles.ALPHA);
        assertThat(pair.contextLength()).isEqualTo(ModelProfiles.CONTEXT_LENGTH);
        // 5 batch sizes, 5 contexts, 4 prompts, 2 × 8 verify passes
        assertThat(pair.target().samples()).hasSize(30);
        StepFit t = ModelProfiles.TARGET;
        assertThat(pair.target().samples())
                .contains(
                        new StepSample(16, 1, 80, t.millis(16, 1, 80)),
                        new StepSample(1, 1, 248, t.millis(1, 1, 248)),
                        new StepSample(1, 480, 240, t.millis(1, 480, 240)),
                        new StepSample(4, 9, 68.5, t.millis(4, 9, 68.5)));
    }

    @Test
    void fitReproducesTheTimesTheProfileWasMadeOf(@TempDir Path dir) throws Exception {
        MeasuredPair pair = MeasuredPair.read(ModelProfiles.write(dir));

        assertFits(pair.draft().fit(), ModelProfiles.DRAFT);
        assertFits(pair.target().fit(), ModelProfiles.TARGET);
    }

    @Test
    void costsArePositiveAndGrowWithBatchAndSpeculationLength(@TempDir Path dir) throws Exception {
        MeasuredStageCosts costs = MeasuredPair.read(ModelProfiles.write(dir)).costs();

        assertThat(costs.transferSecondsPerDraftToken()).isZero();
        double previousBatch = 0;
        for (int n : new int[] {1, 2, 4, 8, 16}) {
            BatchShape batch = new BatchShape(n, 128, 128);
            double previousLength = 0;
            for (int l = 1; l <= 8; l++) {
                double verify = costs.verifyRound(batch, l);
                assertThat(costs.draftRound(batch, l)).isPositive();
                assertThat(verify).isGreaterThan(previousLength);
                previousLength = verify;
            }
            double verify = costs.verifyRound(batch, 4);
            assertThat(verify).isGreaterThan(previousBatch);
            assertThat(costs.draftRound(batch, 4)).isLessThan(verify);
            previousBatch = verify;
        }
    }

    @Test
    void readsAGpuStageProfileAsATableThroughEveryMeasuredShape() throws Exception {
        MeasuredPair pair = MeasuredPair.read(BundledModel.gpuProfile("h200-68m-7b"));

        assertThat(pair.draft().model()).isEqualTo("llama-68m");
        assertThat(pair.target().model()).isEqualTo("llama-7b");
        assertThat(pair.alpha()).isEqualTo(0.8);
        assertThat(pair.contextLength()).isEqualTo(2048);
        assertThat(pair.targetTime()).isInstanceOf(StepTable.class);
        // rows of the file: a 7B decode step at batch 1 and 64 over 512 cached positions
        assertThat(pair.targetTime().millis(1, 1, 512)).isEqualTo(4.8785);
        assertThat(pair.targetTime().millis(64, 1, 512)).isEqualTo(9.0676);
        assertThat(pair.targetTime().prefillMillis(1, 128)).isEqualTo(5.8767);
        // the shape the paper's pairs live on: a verify pass of 5 positions is about one step
        double verifyOverStep = pair.targetTime().millis(1, 5, 512) / 4.8785;
        assertThat(verifyOverStep).isBetween(1.0, 1.1);
        assertThat(pair.draftTime().millis(1, 1, 512) / 4.8785).isLessThan(0.03);
    }

    @Test
    void readsEveryBundledGpuProfile() throws Exception {
        for (String name : new String[] {"h200-68m-7b", "h200-68m-13b", "h200-160m-7b"}) {
            MeasuredPair pair = MeasuredPair.read(BundledModel.gpuProfile(name));
            assertThat(pair.costs().targetStep(new BatchShape(8, 256, 128)))
                    .as(name)
                    .isGreaterThan(pair.costs().draftRound(new BatchShape(8, 256, 128), 1));
        }
    }

    @Test
    void namesTheRowOfAStageProfileThatIsNotAShape(@TempDir Path dir) throws Exception {
        JsonObject json =
                JsonParser.parseString(Files.readString(BundledModel.gpuProfile("h200-68m-7b")))
                        .getAsJsonObject();
        json.getAsJsonObject("target")
                .getAsJsonObject("passes")
                .getAsJsonArray("rows")
                .set(2, JsonParser.parseString("[4, 1, \"long\", 5.0]"));
        Path file = Files.writeString(dir.resolve("gpu.json"), json.toString());

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'target.passes.rows[2]' is not 4 numbers");
    }

    @Test
    void refusesAnUnknownFormat(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("gpu.json"), "{\"format\": \"onnx-trace\"}");

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'format' is \"onnx-trace\"");
    }

    @Test
    void namesAMissingKeyAndTheCommandThatWritesIt(@TempDir Path dir) throws Exception {
        JsonObject json = ModelProfiles.json();
        json.getAsJsonObject("target").remove("verify_ms_by_tokens");
        Path file = ModelProfiles.write(dir, json);

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'target.verify_ms_by_tokens' is missing")
                .hasMessageContaining("./tandem bench models --json " + file);
    }

    @Test
    void namesAMissingSummaryKey(@TempDir Path dir) throws Exception {
        JsonObject json = ModelProfiles.json();
        json.getAsJsonObject("summary").remove("alpha_gamma4");
        Path file = ModelProfiles.write(dir, json);

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'summary.alpha_gamma4' is missing");
    }

    @Test
    void rejectsAVerifyBatchThatIsNotOne(@TempDir Path dir) throws Exception {
        JsonObject json = ModelProfiles.json();
        JsonObject verify = json.getAsJsonObject("draft").getAsJsonObject("verify_ms_by_tokens");
        verify.add("batch4", verify.remove("b4"));
        Path file = ModelProfiles.write(dir, json);

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'draft.verify_ms_by_tokens.batch4' is not a batch size");
    }

    @Test
    void tellsHowToWriteAMissingFile(@TempDir Path dir) {
        Path file = dir.resolve("nowhere.json");

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("No model profile at " + file)
                .hasMessageContaining("./tandem bench models --json " + file);
    }

    @Test
    void rejectsAFileThatIsNotJson(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("bench.json"), "decode: fast");

        assertThatThrownBy(() -> MeasuredPair.read(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a JSON object");
    }

    private static void assertFits(StepFit fit, StepFit expected) {
        assertThat(fit.maxRelativeError()).isLessThan(1e-9);
        assertThat(fit.fixedMillis()).isCloseTo(expected.fixedMillis(), within(1e-9));
        assertThat(fit.perSequenceMillis()).isCloseTo(expected.perSequenceMillis(), within(1e-9));
        assertThat(fit.perTokenMillis()).isCloseTo(expected.perTokenMillis(), within(1e-9));
        assertThat(fit.perAttentionMillis())
                .isCloseTo(expected.perAttentionMillis(), within(1e-12));
    }
}
