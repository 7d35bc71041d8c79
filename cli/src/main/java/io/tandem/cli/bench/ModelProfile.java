package io.tandem.cli.bench;

import com.google.gson.JsonObject;
import io.tandem.model.CausalLm;
import io.tandem.model.ModelException;
import io.tandem.model.ModelInfo;
import io.tandem.profile.MeasuredPair;
import io.tandem.profile.ProfileFormat;
import java.util.Map;
import java.util.TreeMap;
import me.tongfei.progressbar.ProgressBar;

/**
 * One model's measured costs: decode step against batch size and context length, prefill against
 * prompt length, and verify passes against tokens appended and batch size. This is what the
 * planner's latency model is fitted to ({@link MeasuredPair} reads it back from the JSON).
 */
final class ModelProfile {

    private final Map<Integer, Double> decodeByBatch = new TreeMap<>();
    private final Map<Integer, Double> stepByContext = new TreeMap<>();
    private final Map<Integer, Double> prefillByLength = new TreeMap<>();
    private final Map<Integer, Map<Integer, Double>> verifyByBatch = new TreeMap<>();

    static ModelProfile measure(CausalLm model, int repetitions, ProgressBar progress)
            throws ModelException {
        try (DecodeTimer timer = new DecodeTimer(model, repetitions)) {
            return measure(model, timer, progress);
        }
    }

    private static ModelProfile measure(CausalLm model, DecodeTimer timer, ProgressBar progress)
            throws ModelException {
        timer.warmUp(ProfileFormat.BATCH_CONTEXT, ProfileFormat.BATCH_STEPS);
        ModelProfile profile = new ModelProfile();
        for (int batch : ModelBenchCommand.BATCHES) {
            profile.decodeByBatch.put(
                    batch,
                    timer.stepMillis(
                            batch, ProfileFormat.BATCH_CONTEXT, ProfileFormat.BATCH_STEPS));
            progress.step();
        }
        int context = model.info().contextLength();
        for (int c : ModelBenchCommand.CONTEXTS) {
            // the timed steps end at position c
            int prompt = Math.min(c, context) - ProfileFormat.CONTEXT_STEPS;
            profile.stepByContext.put(c, timer.stepMillis(1, prompt, ProfileFormat.CONTEXT_STEPS));
            progress.step();
        }
        for (int p : ModelBenchCommand.PREFILLS) {
            profile.prefillByLength.put(p, timer.prefillMillis(1, Math.min(p, context - 1)));
            progress.step();
        }
        for (int batch : ModelBenchCommand.VERIFY_BATCHES) {
            Map<Integer, Double> byTokens = new TreeMap<>();
            for (int q = 2; q <= ModelBenchCommand.MAX_GAMMA + 1; q++) {
                byTokens.put(q, timer.verifyMillis(batch, ProfileFormat.BATCH_CONTEXT, q));
            }
            profile.verifyByBatch.put(batch, byTokens);
            progress.step();
        }
        return profile;
    }

    /** Milliseconds per decode step of {@code batch} sequences. */
    double decodeMillis(int batch) {
        return decodeByBatch.get(batch);
    }

    /** Tokens per second at {@code batch}. */
    double throughput(int batch) {
        return batch * 1000 / decodeMillis(batch);
    }

    /** Milliseconds per decode step, batch 1, with the context ending at {@code context}. */
    double contextMillis(int context) {
        return stepByContext.get(context);
    }

    double prefillMillis(int promptTokens) {
        return prefillByLength.get(promptTokens);
    }

    /** Milliseconds of one pass appending {@code tokens} to each of {@code batch} sequences. */
    double verifyMillis(int batch, int tokens) {
        return verifyByBatch.get(batch).get(tokens);
    }

    JsonObject toJson(ModelInfo info) {
        JsonObject json = new JsonObject();
        json.addProperty(ProfileFormat.NAME, info.name());
        json.addProperty("architecture", info.architecture());
        json.addProperty("parameters", info.parameters());
        json.addProperty("layers", info.layers());
        json.addProperty("width", info.width());
        json.addProperty(ProfileFormat.CONTEXT_LENGTH, info.contextLength());
        json.add(ProfileFormat.DECODE_BY_BATCH, toJson(decodeByBatch));
        json.add(ProfileFormat.DECODE_BY_CONTEXT, toJson(stepByContext));
        json.add(ProfileFormat.PREFILL_BY_PROMPT, toJson(prefillByLength));
        JsonObject verify = new JsonObject();
        verifyByBatch.forEach(
                (batch, byTokens) ->
                        verify.add(ProfileFormat.verifyBatchKey(batch), toJson(byTokens)));
        json.add(ProfileFormat.VERIFY_BY_TOKENS, verify);
        return json;
    }

    private static JsonObject toJson(Map<Integer, Double> values) {
        JsonObject json = new JsonObject();
        values.forEach((key, value) -> json.addProperty(String.valueOf(key), value));
        return json;
    }
}
