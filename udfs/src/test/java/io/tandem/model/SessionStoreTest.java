package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.tandem.model.internal.RandomGpt2;
import io.tandem.speculative.TokenDistribution;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KV sessions on a tiny random GPT-2 (vocabulary 257, context 32): logits never depend on caching.
 */
class SessionStoreTest {

    private static final SessionLimits ROOMY =
            new SessionLimits(100, 1L << 30, Duration.ofHours(1));
    private static final float TOLERANCE = 1e-4f;

    @TempDir static Path root;

    private static CausalLm model;

    @BeforeAll
    static void load() throws Exception {
        model =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("random"), RandomGpt2.BYTE_LEVEL_CONFIG, 5));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void greedyDecodingThroughSessionsMatchesGenerate() throws Exception {
        List<GenerationRequest> requests =
                List.of(greedy("a", 1, 2, 3, 4, 5, 6, 7), greedy("b", 9), greedy("c", 40, 41, 42));
        List<Generation> expected = model.generate(requests);
        try (SessionStore store = model.openSessions(ROOMY)) {
            int[][] sequences =
                    requests.stream().map(GenerationRequest::promptTokens).toArray(int[][]::new);
            for (int step = 0; step < 12; step++) {
                List<SessionTokens> call = new ArrayList<>();
                for (int i = 0; i < sequences.length; i++) {
                    int[] tokens = sequences[i];
                    call.add(
                            new SessionTokens(
                                    requests.get(i).id(),
                                    tokens,
                                    requests.get(i).promptLength(),
                                    tokens.length,
                                    1));
                }
                BatchLogits logits = store.forward(call);
                for (int i = 0; i < sequences.length; i++) {
                    int length = sequences[i].length;
                    int next = argmax(logits, i, length - 1);
                    sequences[i] = append(sequences[i], next);
                }
            }
            for (int i = 0; i < sequences.length; i++) {
                int prompt = requests.get(i).promptLength();
                assertThat(Arrays.copyOfRange(sequences[i], prompt, prompt + 12))
                        .isEqualTo(expected.get(i).tokens());
            }
            assertThat(store.stats().regroups()).isEqualTo(1); // only the first call assembles
        }
    }

    @Test
    void finishingARequestFreesItsSession() throws Exception {
        try (SessionStore store = model.openSessions(ROOMY)) {
            store.forward(List.of(tokens("a", 1, 2, 3), tokens("b", 4)));

            assertThat(store.finish("a")).isTrue();
            assertThat(store.finish("a")).isFalse();
            assertThat(store.stats().sessions()).isEqualTo(1);
            assertThat(store.finish("b")).isTrue();
            assertThat(store.stats().sessions()).isZero();
            assertThat(store.stats().bytes()).isZero();
            assertThat(store.stats().evicted()).isZero();
        }
    }

    @Test
    void evictsSessionsIdleForLongerThanTheTimeout() throws Exception {
        AtomicLong now = new AtomicLong();
        SessionLimits limits = new SessionLimits(100, 1L << 30, Duration.ofSeconds(10));
        try (SessionStore store = model.openSessions(limits, now::get)) {
            store.forward(List.of(tokens("old", 1, 2)));
            now.addAndGet(Duration.ofSeconds(6).toNanos());
            store.forward(List.of(tokens("young", 3, 4)));
            now.addAndGet(Duration.ofSeconds(6).toNanos());

            assertThat(store.evictIdle()).isEqualTo(1);
            assertThat(store.finish("old")).isFalse();
            assertThat(store.finish("young")).isTrue();
            assertThat(store.stats().evicted()).isEqualTo(1);
        }
    }

    @Test
    void evictsTheLeastRecentlyUsedSessionsBeyondTheBounds() throws Exception {
        SessionLimits twoSessions = new SessionLimits(2, 1L << 30, Duration.ofHours(1));
        try (SessionStore store = model.openSessions(twoSessions)) {
            store.forward(List.of(tokens("a", 1)));
            store.forward(List.of(tokens("b", 2)));
            store.forward(List.of(tokens("a", 1, 5))); // a is now the most recently used
            store.forward(List.of(tokens("c", 3)));

            assertThat(store.stats().sessions()).isEqualTo(2);
            assertThat(store.finish("b")).isFalse();
            assertThat(store.stats().evicted()).isEqualTo(1);
        }
        try (SessionStore store = model.openSessions(ROOMY)) {
            store.forward(List.of(tokens("a", 1, 2, 3, 4)));
            long oneSession = store.stats().bytes();
            SessionLimits tight = new SessionLimits(100, oneSession, Duration.ofHours(1));
            try (SessionStore bounded = model.openSessions(tight)) {
                bounded.forward(List.of(tokens("a", 1, 2, 3, 4)));
                bounded.forward(List.of(tokens("b", 5, 6, 7, 8)));

                assertThat(bounded.stats().sessions()).isEqualTo(1);
                assertThat(bounded.stats().bytes()).isLessThanOrEqualTo(oneSession);
                assertThat(bounded.finish("b")).isTrue();
            }
        }
    }

    @Test
    void aSessionRebuiltAfterEvictionGivesTheSameLogits() throws Exception {
        int[] prompt = {10, 20, 30};
        int[] later = {10, 20, 30, 40, 50, 60};
        try (SessionStore store = model.openSessions(ROOMY)) {
            store.forward(List.of(new SessionTokens("r", prompt, 3, 3, 1)));
            float[] cached =
                    slice(store.forward(List.of(new SessionTokens("r", later, 3, 6, 2))), 0, 5);
            store.finish("r");

            float[] rebuilt =
                    slice(store.forward(List.of(new SessionTokens("r", later, 3, 6, 2))), 0, 5);

            assertThat(rebuilt).containsExactly(cached, offset(TOLERANCE));
            assertThat(store.stats().rebuilt()).isEqualTo(1);
            assertThat(store.stats().opened()).isEqualTo(2);
        }
    }

    @Test
    void rejectsMalformedCalls() throws Exception {
        try (SessionStore store = model.openSessions(ROOMY)) {
            assertThatThrownBy(() -> store.forward(List.of(tokens("a", 1), tokens("a", 2))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("request a appears twice");
            assertThatThrownBy(() -> store.forward(List.of(tokens("v", 1, 257))))
                    .hasMessageContaining(
                            "request v: token id 257 is outside the vocabulary of 257");
            assertThatThrownBy(() -> store.forward(List.of(tokens("c", new int[33]))))
                    .hasMessageContaining("request c: 33 tokens exceed the context length of 32");
            assertThatThrownBy(() -> new SessionTokens("x", new int[] {1, 2}, 1, 2, 3))
                    .hasMessageContaining("request x: logits must be in [1, 2], got 3");
            assertThatThrownBy(() -> new SessionTokens("x", new int[] {1, 2}, 2, 1, 1))
                    .hasMessageContaining("promptLength <= committed");
            assertThat(store.stats().sessions()).isZero();
        }
    }

    /** A sequence whose tokens are all prompt, asking for the last logits. */
    private static SessionTokens tokens(String id, int... tokens) {
        return new SessionTokens(id, tokens, tokens.length, tokens.length, 1);
    }

    private static GenerationRequest greedy(String id, int... prompt) {
        return new GenerationRequest(id, prompt, 12, SamplingConfig.greedy());
    }

    /** Logits after {@code position} of {@code tokens}, computed alone in a fresh store. */
    private static float[] reference(int[] tokens, int position) throws ModelException {
        try (SessionStore fresh = model.openSessions(ROOMY)) {
            int[] prefix = Arrays.copyOf(tokens, position + 1);
            return slice(
                    fresh.forward(
                            List.of(
                                    new SessionTokens(
                                            "ref", prefix, prefix.length, prefix.length, 1))),
                    0,
                    position);
        }
    }

    private static float[] slice(BatchLogits logits, int sequence, int position) {
        int offset = logits.offset(sequence, position);
        return Arrays.copyOfRange(logits.values(), offset, offset + logits.vocabSize());
    }

    private static int argmax(BatchLogits logits, int sequence, int position) {
        return TokenDistribution.argmax(
                logits.values(), logits.offset(sequence, position), logits.vocabSize());
    }

    private static int[] append(int[] tokens, int token) {
        int[] extended = Arrays.copyOf(tokens, tokens.length + 1);
        extended[tokens.length] = token;
        return extended;
    }
}
