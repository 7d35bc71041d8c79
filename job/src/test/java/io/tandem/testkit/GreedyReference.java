package io.tandem.testkit;

import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.SamplingConfig;
import io.tandem.schemas.InferenceRequest;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What plain greedy decoding with a model alone gives: the output lossless serving must match. */
public final class GreedyReference {

    private GreedyReference() {}

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
