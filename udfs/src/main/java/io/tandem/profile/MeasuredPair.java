package io.tandem.profile;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.tandem.planner.cost.MeasuredStageCosts;
import io.tandem.planner.cost.StepFit;
import io.tandem.planner.cost.StepProfile;
import io.tandem.planner.cost.StepSample;
import io.tandem.planner.cost.StepTable;
import io.tandem.planner.cost.StepTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A measured draft/target pair: each model's forward passes as a {@link StepProfile}, the step
 * times made of them, the pair's acceptance rate and the context both models fit. It turns
 * measurements into the stage costs the planner plans with ({@link #costs()}) and the times
 * emulated model stages take, so the simulator, the live job and an emulated job all price a stage
 * from the same numbers rather than from FLOPs.
 *
 * <p>Two formats are read (see {@link ProfileFormat}):
 *
 * <ul>
 *   <li>A stage profile (GPU measurements under {@code profiles/}): explicit pass shapes, kept as a
 *       {@link StepTable} that interpolates between them.
 *   <li>What {@code ./tandem bench models --json FILE} writes for the bundled pair on this machine:
 *       a fixed grid, summarised by a {@link StepFit}.
 * </ul>
 *
 * <p>In a bench-models file every measurement becomes one sample {@code (batch, new tokens, mean
 * context)}:
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
 * @param draftTime the draft's step times, made once at reading
 * @param targetTime the target's step times, made once at reading
 * @param alpha the acceptance rate: measured at γ = 4 ({@code summary.alpha_gamma4}) in a
 *     bench-models file, stated in a stage profile
 * @param contextLength the shorter of the two models' context lengths
 */
public record MeasuredPair(
        Path file,
        StepProfile draft,
        StepProfile target,
        StepTime draftTime,
        StepTime targetTime,
        double alpha,
        int contextLength) {

    public MeasuredPair {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(draftTime, "draftTime");
        Objects.requireNonNull(targetTime, "targetTime");
    }

    /**
     * Reads a stage profile or a bench-models JSON file.
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
        if (root.has(ProfileFormat.FORMAT)) {
            return reader.stageProfile(root);
        }
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
     * The stage costs. Transfer is free: the bundled pair runs on one machine, where a draft's
     * distribution (257 probabilities) moves in far less time than a step's tenth of a millisecond,
     * and on GPUs a round's drafts are token ids and a few probabilities, microseconds on any
     * network a cluster uses.
     */
    public MeasuredStageCosts costs() {
        return new MeasuredStageCosts(draftTime, targetTime, 0);
    }

    /**
     * Reads one file's keys. Every lookup takes the path of its parent ({@code ""} at the root), so
     * an error can name the full key.
     */
    private record Reader(Path file) {

        MeasuredPair stageProfile(JsonObject root) {
            JsonElement format = root.get(ProfileFormat.FORMAT);
            if (!format.isJsonPrimitive()
                    || !ProfileFormat.STAGE_PROFILE.equals(format.getAsString())) {
                throw invalid(
                        "",
                        ProfileFormat.FORMAT,
                        "is " + format + ", not \"" + ProfileFormat.STAGE_PROFILE + "\"");
            }
            JsonObject draft = object(root, "", ProfileFormat.DRAFT);
            JsonObject target = object(root, "", ProfileFormat.TARGET);
            int context =
                    Math.min(
                            number(draft, ProfileFormat.DRAFT, ProfileFormat.CONTEXT_LENGTH)
                                    .intValue(),
                            number(target, ProfileFormat.TARGET, ProfileFormat.CONTEXT_LENGTH)
                                    .intValue());
            double alpha =
                    number(
                                    object(root, "", ProfileFormat.ACCEPTANCE),
                                    ProfileFormat.ACCEPTANCE,
                                    ProfileFormat.ALPHA)
                            .doubleValue();
            if (!(alpha >= 0 && alpha <= 1)) {
                throw invalid(
                        ProfileFormat.ACCEPTANCE,
                        ProfileFormat.ALPHA,
                        "is not in [0, 1]: " + alpha);
            }
            StepTable draftTable = table(draft, ProfileFormat.DRAFT);
            StepTable targetTable = table(target, ProfileFormat.TARGET);
            return new MeasuredPair(
                    file,
                    samples(draft, ProfileFormat.DRAFT),
                    samples(target, ProfileFormat.TARGET),
                    draftTable,
                    targetTable,
                    alpha,
                    context);
        }

        private StepTable table(JsonObject model, String role) {
            try {
                return StepTable.of(
                        string(model, role, ProfileFormat.NAME),
                        rows(model, role, ProfileFormat.PASSES, 4),
                        model.has(ProfileFormat.PREFILLS)
                                ? rows(model, role, ProfileFormat.PREFILLS, 3)
                                : List.of());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
            }
        }

        /** Every measured shape, prefills as passes over half their prompt on average. */
        private StepProfile samples(JsonObject model, String role) {
            List<StepSample> samples = new ArrayList<>(rows(model, role, ProfileFormat.PASSES, 4));
            if (model.has(ProfileFormat.PREFILLS)) {
                rows(model, role, ProfileFormat.PREFILLS, 3)
                        .forEach(
                                s ->
                                        samples.add(
                                                new StepSample(
                                                        s.batch(),
                                                        s.newTokens(),
                                                        s.newTokens() / 2.0,
                                                        s.millis())));
            }
            return new StepProfile(string(model, role, ProfileFormat.NAME), samples);
        }

        /**
         * The rows of a table: {@code [batch, new, context, ms]} passes or {@code [batch, prompt,
         * ms]} prefills (context 0).
         */
        private List<StepSample> rows(JsonObject model, String role, String key, int width) {
            String path = join(role, key);
            JsonElement rows = object(model, role, key).get(ProfileFormat.ROWS);
            if (rows == null || !rows.isJsonArray() || rows.getAsJsonArray().isEmpty()) {
                throw invalid(path, ProfileFormat.ROWS, "is not a non-empty array");
            }
            List<StepSample> samples = new ArrayList<>();
            int index = 0;
            for (JsonElement row : rows.getAsJsonArray()) {
                String at = join(path, ProfileFormat.ROWS) + "[" + index++ + "]";
                double[] v;
                try {
                    v = new double[width];
                    for (int i = 0; i < width; i++) {
                        v[i] = row.getAsJsonArray().get(i).getAsDouble();
                    }
                    if (row.getAsJsonArray().size() != width) {
                        throw new IllegalStateException();
                    }
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(
                            file + ": '" + at + "' is not " + width + " numbers: " + row);
                }
                try {
                    samples.add(
                            width == 4
                                    ? new StepSample((int) v[0], (int) v[1], v[2], v[3])
                                    : new StepSample((int) v[0], (int) v[1], 0, v[2]));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + ": '" + at + "': " + e.getMessage());
                }
            }
            return samples;
        }

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

        String string(JsonObject parent, String path, String key) {
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
