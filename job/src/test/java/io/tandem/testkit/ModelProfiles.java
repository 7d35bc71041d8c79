package io.tandem.testkit;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import io.tandem.planner.cost.StepFit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Model profiles in the JSON of {@code ./tandem bench models --json}, for tests without real
 * models: every time follows a known {@link StepFit} exactly, read at the (batch, new tokens, mean
 * context) each measurement has, so a reader that gets a reading wrong cannot fit it exactly.
 */
public final class ModelProfiles {

    /** The draft's times: cheap, little batch or context cost. */
    public static final StepFit DRAFT = new StepFit(0.1, 0.02, 0.01, 1e-5, 0.05, 0);

    /** The target's times: ten times the draft's and more. */
    public static final StepFit TARGET = new StepFit(1.0, 0.3, 0.2, 2e-3, 0.4, 0);

    /** The acceptance rate in the summary. */
    public static final double ALPHA = 0.78;

    /** Each model's context length. */
    public static final int CONTEXT_LENGTH = 512;

    private ModelProfiles() {}

    /** The whole file, to change before {@link #write(Path, JsonObject)}. */
    public static JsonObject json() {
        return json(DRAFT, TARGET);
    }

    /** The file of a pair whose times follow {@code draft} and {@code target}. */
    public static JsonObject json(StepFit draft, StepFit target) {
        JsonObject root = new JsonObject();
        JsonObject summary = new JsonObject();
        summary.addProperty("alpha_gamma4", ALPHA);
        summary.addProperty("greedy_identical", true);
        root.add("summary", summary);
        root.add("draft", model("tiny-draft", draft));
        root.add("target", model("tiny-target", target));
        return root;
    }

    /** Writes {@link #json()} to {@code dir/bench-models.json}. */
    public static Path write(Path dir) throws IOException {
        return write(dir, json());
    }

    /** Writes {@code json} to {@code dir/bench-models.json}. */
    public static Path write(Path dir, JsonObject json) throws IOException {
        Path file = dir.resolve("bench-models.json");
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(json));
        return file;
    }

    private static JsonObject model(String name, StepFit fit) {
        JsonObject model = new JsonObject();
        model.addProperty("name", name);
        model.addProperty("context_length", CONTEXT_LENGTH);
        JsonObject byBatch = new JsonObject();
        for (int b : new int[] {1, 2, 4, 8, 16}) {
            // 32 steps from context 64 to 96
            byBatch.addProperty(String.valueOf(b), fit.millis(b, 1, 80));
        }
        model.add("decode_ms_by_batch", byBatch);
        JsonObject byContext = new JsonObject();
        for (int c : new int[] {32, 64, 128, 256, 512}) {
            // 16 steps ending at c
            byContext.addProperty(String.valueOf(c), fit.millis(1, 1, c - 8));
        }
        model.add("decode_ms_by_context", byContext);
        JsonObject prefill = new JsonObject();
        for (int p : new int[] {16, 64, 256, 480}) {
            prefill.addProperty(String.valueOf(p), fit.millis(1, p, p / 2.0));
        }
        model.add("prefill_ms_by_prompt", prefill);
        JsonObject verify = new JsonObject();
        for (int b : new int[] {1, 4}) {
            JsonObject byTokens = new JsonObject();
            for (int q = 2; q <= 9; q++) {
                byTokens.addProperty(String.valueOf(q), fit.millis(b, q, 64 + q / 2.0));
            }
            verify.add("b" + b, byTokens);
        }
        model.add("verify_ms_by_tokens", verify);
        return model;
    }
}
