package io.tandem.job.profile;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.tandem.planner.cost.MeasuredStageCosts;
import io.tandem.planner.cost.StepFit;
import io.tandem.planner.cost.StepProfile;
import io.tandem.planner.cost.StepSample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A draft/target pair as {@code ./tandem bench models --json FILE} measured it: each model's
 * forward passes as a {@link StepProfile}, the pair's acceptance rate and the context both models
 * fit. It turns a bench run into the stage costs the planner plans with ({@link #costs()}), so the
 * simulator and the live job use numbers measured on the real models rather than FLOPs.
 *
 * <p>Every measurement becomes one sample {@code (batch, new tokens, mean context)}:
 *
 * <ul>
 *   <li>{@code decode_ms_by_batch} at batch B: {@code (B, 1, 80)}, steps from context 64 to 96;
 *   <li>{@code decode_ms_by_context} at c: {@code (1, 1, c − 8)}, 16 steps ending at c;
 *   <li>{@code prefill_ms_by_prompt} at p: {@code (1, p, p / 2)};
 *   <li>{@code verify_ms_by_tokens} at batch B and q tokens: {@code (B, q, 64 + q / 2)}.
 * </ul>
 *
 * <p>Immutable.
 *
 * @param file where the profile was read from
 * @param draft the draft model's samples
 * @param target the target model's samples
 * @param draftFit the draft's step-time fit, made once at reading
 * @param targetFit the target's step-time fit, made once at reading
 * @param alpha the acceptance rate measured at γ = 4 ({@code summary.alpha_gamma4})
 * @param contextLength the shorter of the two models' context lengths
 */
public record MeasuredPair(
        Path file,
        StepProfile draft,
        StepProfile target,
        StepFit draftFit,
        StepFit targetFit,
        double alpha,
        int contextLength) {

    public MeasuredPair {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(draftFit, "draftFit");
        Objects.requireNonNull(targetFit, "targetFit");
    }

    /**
     * Reads a bench-models JSON file.
     *
     * @throws IllegalArgumentException if the file is missing, is not JSON or lacks a measurement;
     *     the message names the file and the key
     * @throws IOException if the file exists but cannot be read
     */
    public static MeasuredPair read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "No model profile at "
                            + file
                            + "; `./tandem bench models --json "
                            + file
                            + "` measures the models and writes one.");
        }
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException(
                    file + " is not a JSON object as `./tandem bench models --json` writes: " + e,
                    e);
        }
        Reader reader = new Reader(file);
        JsonObject draft = reader.object(root, "", ProfileFormat.DRAFT);
        JsonObject target = reader.object(root, "", ProfileFormat.TARGET);
        int context =
                Math.min(
                        reader.number(draft, ProfileFormat.DRAFT, ProfileFormat.CONTEXT_LENGTH)
                                .intValue(),
                        reader.number(target, ProfileFormat.TARGET, ProfileFormat.CONTEXT_LENGTH)
                                .intValue());
        JsonObject summary = reader.object(root, "", ProfileFormat.SUMMARY);
        double alpha =
                reader.number(summary, ProfileFormat.SUMMARY, ProfileFormat.ALPHA_GAMMA4)
                        .doubleValue();
        StepProfile draftProfile = reader.profile(draft, ProfileFormat.DRAFT, context);
        StepProfile targetProfile = reader.profile(target, ProfileFormat.TARGET, context);
        return new MeasuredPair(
                file,
                draftProfile,
                targetProfile,
                draftProfile.fit(),
                targetProfile.fit(),
                alpha,
                context);
    }

    /**
     * The fitted stage costs. Transfer is free: the bundled pair runs on one machine, where a
     * draft's distribution (257 probabilities) moves in far less time than a step's tenth of a
     * millisecond.
     */
    public MeasuredStageCosts costs() {
        return new MeasuredStageCosts(draftFit, targetFit, 0);
    }

    /**
     * Reads one file's keys. Every lookup takes the path of its parent ({@code ""} at the root), so
     * an error can name the full key.
     */
    private record Reader(Path file) {

        StepProfile profile(JsonObject model, String role, int context) {
            List<StepSample> samples = new ArrayList<>();
            double batchContext = ProfileFormat.BATCH_CONTEXT + ProfileFormat.BATCH_STEPS / 2.0;
            series(model, role, ProfileFormat.DECODE_BY_BATCH)
                    .forEach(
                            (batch, ms) -> samples.add(new StepSample(batch, 1, batchContext, ms)));
            // the bench clamps the steps' end and the prompts to the context, and so does this
            series(model, role, ProfileFormat.DECODE_BY_CONTEXT)
                    .forEach(
                            (end, ms) -> {
                                double last = Math.min(end, context);
                                double mean = last - ProfileFormat.CONTEXT_STEPS / 2.0;
                                samples.add(new StepSample(1, 1, mean, ms));
                            });
            series(model, role, ProfileFormat.PREFILL_BY_PROMPT)
                    .forEach(
                            (tokens, ms) -> {
                                int prompt = Math.min(tokens, context - 1);
                                samples.add(new StepSample(1, prompt, prompt / 2.0, ms));
                            });
            JsonObject verify = object(model, role, ProfileFormat.VERIFY_BY_TOKENS);
            String verifyPath = role + "." + ProfileFormat.VERIFY_BY_TOKENS;
            for (String batchKey : verify.keySet()) {
                int batch = verifyBatch(verifyPath, batchKey);
                series(verify, verifyPath, batchKey)
                        .forEach(
                                (q, ms) ->
                                        samples.add(
                                                new StepSample(
                                                        batch,
                                                        q,
                                                        ProfileFormat.BATCH_CONTEXT + q / 2.0,
                                                        ms)));
            }
            return new StepProfile(string(model, role, ProfileFormat.NAME), samples);
        }

        JsonObject object(JsonObject parent, String path, String key) {
            JsonElement value = parent.get(key);
            if (value == null || !value.isJsonObject()) {
                throw invalid(path, key, value == null ? "is missing" : "is not an object");
            }
            return value.getAsJsonObject();
        }

        Number number(JsonObject parent, String path, String key) {
            JsonElement value = parent.get(key);
            if (value == null
                    || !value.isJsonPrimitive()
                    || !value.getAsJsonPrimitive().isNumber()) {
                throw invalid(path, key, value == null ? "is missing" : "is not a number");
            }
            return value.getAsNumber();
        }

        private String string(JsonObject parent, String path, String key) {
            JsonElement value = parent.get(key);
            if (value == null
                    || !value.isJsonPrimitive()
                    || !value.getAsJsonPrimitive().isString()) {
                throw invalid(path, key, value == null ? "is missing" : "is not a string");
            }
            return value.getAsString();
        }

        /** An object of integer keys (batch, context, tokens) to milliseconds, in key order. */
        private Map<Integer, Double> series(JsonObject parent, String path, String key) {
            JsonObject values = object(parent, path, key);
            String full = join(path, key);
            if (values.size() == 0) {
                throw invalid(path, key, "has no measurements");
            }
            Map<Integer, Double> series = new TreeMap<>();
            for (String at : values.keySet()) {
                try {
                    series.put(Integer.parseInt(at), number(values, full, at).doubleValue());
                } catch (NumberFormatException e) {
                    throw invalid(path, key, "has the non-integer key '" + at + "'");
                }
            }
            return series;
        }

        private int verifyBatch(String path, String key) {
            if (key.matches("b[1-9][0-9]{0,5}")) {
                return Integer.parseInt(key.substring(1));
            }
            throw invalid(path, key, "is not a batch size such as 'b4'");
        }

        private IllegalArgumentException invalid(String path, String key, String problem) {
            // profiles written before verify passes were measured lack exactly this key
            String old =
                    key.equals(ProfileFormat.VERIFY_BY_TOKENS)
                            ? " (profiles from before verify passes were measured lack it)"
                            : "";
            return new IllegalArgumentException(
                    file
                            + ": '"
                            + join(path, key)
                            + "' "
                            + problem
                            + old
                            + "; `./tandem bench models --json "
                            + file
                            + "` writes a complete profile.");
        }

        private static String join(String path, String key) {
            return path.isEmpty() ? key : path + "." + key;
        }
    }
}
