package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.internal.RandomGpt2;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelWarmUpTest {

    @TempDir Path root;

    /** The calls a store saw: rows, and logit columns asked per row. */
    private record Call(int rows, int logits) {}

    @Test
    void runsServingsShapesAtTwoBatchSizesAndLeavesNoSession() throws Exception {
        try (CausalLm model =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("random"), RandomGpt2.BYTE_LEVEL_CONFIG, 5))) {
            List<Call> calls = new ArrayList<>();
            List<SessionStats> left = new ArrayList<>();
            LanguageModel watched = watching(model, calls, left);

            assertThat(ModelWarmUp.run(watched)).isPositive();

            // per batch size: a prefill, three plain steps, a verification of five positions
            List<Call> perBatch =
                    List.of(
                            new Call(1, 1),
                            new Call(1, 1),
                            new Call(1, 1),
                            new Call(1, 1),
                            new Call(1, 5));
            assertThat(calls.subList(0, 5)).isEqualTo(perBatch);
            assertThat(calls.subList(5, 10))
                    .isEqualTo(perBatch.stream().map(c -> new Call(8, c.logits())).toList());
            assertThat(left).singleElement().extracting(SessionStats::sessions).isEqualTo(0);
        }
    }

    /** {@code model}, recording each store call and the store's sessions when it closes. */
    private static LanguageModel watching(
            CausalLm model, List<Call> calls, List<SessionStats> left) {
        return new LanguageModel() {
            @Override
            public ModelInfo info() {
                return model.info();
            }

            @Override
            public TextTokenizer tokenizer() {
                return model.tokenizer();
            }

            @Override
            public SessionStore openSessions(SessionLimits limits) {
                SessionStore store = model.openSessions(limits);
                return new SessionStore() {
                    @Override
                    public BatchLogits forward(List<SessionTokens> sequences)
                            throws ModelException {
                        calls.add(new Call(sequences.size(), sequences.get(0).logits()));
                        return store.forward(sequences);
                    }

                    @Override
                    public boolean finish(String requestId) {
                        return store.finish(requestId);
                    }

                    @Override
                    public int evictIdle() {
                        return store.evictIdle();
                    }

                    @Override
                    public SessionStats stats() {
                        return store.stats();
                    }

                    @Override
                    public void close() {
                        left.add(store.stats());
                        store.close();
                    }
                };
            }

            @Override
            public void close() {}
        };
    }
}
