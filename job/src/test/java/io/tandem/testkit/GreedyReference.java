package io.tandem.testkit;

import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.SamplingConfig;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What plain greedy decoding with a model alone gives: the output lossless serving must match. */
public final class GreedyReference {

    private GreedyReference() {}

    /** What the job served: each result's tokens by request id, to compare with {@link #tokens}. */
    public static Map<String, List<Integer>> served(Collection<InferenceResult> results) {
        return results.stream()
                .collect(
                        Collectors.toMap(
                                InferenceResult::getRequestId, InferenceResult::getTokenIds));
    }

    /** Each request's greedy tokens with the model in {@code dir}, one request at a time. */
    public static Map<String, List<Integer>> tokens(Path dir, List<InferenceRequest> requests)
            throws ModelException {
        Map<String, List<Integer>> tokens = new HashMap<>();
        try (CausalLm model = CausalLm.load(dir)) {
            for (InferenceRequest request : requests) {
                int[] generated =
                        model.generate(
                                        List.of(
                                                new GenerationRequest(
                                                        request.getRequestId(),
                                                        model.tokenizer()
                                                                .encode(request.getPrompt()),
                                                        request.getMaxNewTokens(),
                                                        SamplingConfig.greedy())))
                                .get(0)
                                .tokens();
                tokens.put(request.getRequestId(), Arrays.stream(generated).boxed().toList());
            }
        }
        return tokens;
    }
}
