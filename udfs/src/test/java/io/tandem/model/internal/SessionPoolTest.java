package io.tandem.model.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.tandem.model.BatchLogits;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionStats;
import io.tandem.model.SessionTokens;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The session pool's batch caches under rounds of speculative traffic: rolled-back drafts (holes),
 * changing batch composition (regrouping), new requests joining (prefill) and compaction, checked
 * against logits computed from scratch.
 */
class SessionPoolTest {

    private static final SessionLimits ROOMY =
            new SessionLimits(100, 1L << 30, Duration.ofHours(1));
    private static final float TOLERANCE = 1e-4f;

    private static NDManager manager;
    private static TransformerNetwork network;

    @BeforeAll
    static void load() {
        manager = Engine.getEngine("PyTorch").newBaseManager(Device.cpu());
        Gpt2Config config = RandomGpt2.BYTE_LEVEL_CONFIG;
        network =
                Gpt2Network.of(
                        config,
                        Gpt2Parameters.upload(RandomGpt2.weights(config, 5), manager),
                        manager);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void logitsDoNotDependOnRolledBackDraftsRegroupingOrCompaction() {
        SplittableRandom random = new SplittableRandom(3);
        String[] ids = {"a", "b", "c", "d", "e"};
        int[][] sequences = {{1, 2, 3}, {7}, {100, 101, 102, 103, 104, 105}, {55, 56}, {9, 9}};
        int[] prompts = Arrays.stream(sequences).mapToInt(s -> s.length).toArray();
        try (SessionPool pool = pool(4)) {
            for (int round = 0; round < 16; round++) {
                // rounds 0-5 keep one composition; later rounds drop one request each and shuffle
                List<Integer> members = new ArrayList<>();
                for (int i = 0; i < ids.length; i++) {
                    boolean resting = round >= 6 && round % ids.length == i;
                    if (!resting && sequences[i].length < 26) {
                        members.add(i);
                    }
                }
                if (round >= 6) {
                    Collections.shuffle(members, new Random(round));
                }
                int gamma = 1 + random.nextInt(3);
                List<SessionTokens> call = new ArrayList<>();
                for (int i : members) {
                    int[] drafted = sequences[i];
                    for (int d = 0; d < gamma; d++) {
                        drafted = append(drafted, random.nextInt(257));
                    }
                    call.add(
                            new SessionTokens(
                                    ids[i], drafted, prompts[i], sequences[i].length, gamma + 1));
                }

                BatchLogits logits = pool.forward(call);

                for (int k = 0; k < call.size(); k++) {
                    int[] tokens = call.get(k).tokens();
                    float[][] expected = reference(tokens);
                    for (int p = tokens.length - gamma - 1; p < tokens.length; p++) {
                        assertThat(slice(logits, k, p))
                                .as(
                                        "round %d, request %s, position %d",
                                        round, call.get(k).requestId(), p)
                                .containsExactly(expected[p], offset(TOLERANCE));
                    }
                    // accept a random number of the drafts, then one more token
                    int i = members.get(k);
                    int accepted = random.nextInt(gamma + 1);
                    int[] kept = Arrays.copyOf(tokens, sequences[i].length + accepted);
                    sequences[i] = append(kept, random.nextInt(257));
                }
            }
            SessionStats stats = pool.stats();
            assertThat(stats.regroups()).isGreaterThan(5);
            assertThat(stats.compactions()).isGreaterThan(0);
            assertThat(stats.rebuilt()).isZero();
            assertThat(stats.sessions()).isEqualTo(ids.length);
        }
    }

    @Test
    void newRequestsJoiningABatchArePrefilledApartAndMatchFromScratch() {
        try (SessionPool pool = pool(SessionPool.COMPACTION_COLUMNS)) {
            int[] a = {1, 2, 3, 4};
            pool.forward(List.of(new SessionTokens("a", a, 4, 4, 1)));
            int[] longPrompt = new int[20];
            Arrays.setAll(longPrompt, i -> 30 + i);
            int[] a2 = append(a, 8);
            int[] shortPrompt = {5};

            BatchLogits logits =
                    pool.forward(
                            List.of(
                                    new SessionTokens("a", a2, 4, 5, 2),
                                    new SessionTokens("long", longPrompt, 20, 20, 2),
                                    new SessionTokens("short", shortPrompt, 1, 1, 1)));

            assertThat(slice(logits, 0, 3)).containsExactly(reference(a2)[3], offset(TOLERANCE));
            assertThat(slice(logits, 0, 4)).containsExactly(reference(a2)[4], offset(TOLERANCE));
            assertThat(slice(logits, 1, 18))
                    .containsExactly(reference(longPrompt)[18], offset(TOLERANCE));
            assertThat(slice(logits, 1, 19))
                    .containsExactly(reference(longPrompt)[19], offset(TOLERANCE));
            assertThat(slice(logits, 2, 0))
                    .containsExactly(reference(shortPrompt)[0], offset(TOLERANCE));
            assertThat(pool.stats().batches()).isEqualTo(1);
        }
    }

    @Test
    void aRepeatedCallRecomputesTheLogitsItAsksFor() {
        try (SessionPool pool = pool(SessionPool.COMPACTION_COLUMNS)) {
            int[] tokens = {3, 1, 4, 1, 5, 9};
            BatchLogits first = pool.forward(List.of(new SessionTokens("r", tokens, 3, 3, 3)));
            BatchLogits again = pool.forward(List.of(new SessionTokens("r", tokens, 3, 3, 3)));

            for (int p = 3; p < 6; p++) {
                assertThat(slice(again, 0, p))
                        .containsExactly(slice(first, 0, p), offset(TOLERANCE));
            }
            assertThat(pool.stats().rebuilt()).isZero();
        }
    }

    @Test
    void freesBatchesWithTheirLastSession() {
        try (SessionPool pool = pool(SessionPool.COMPACTION_COLUMNS)) {
            pool.forward(
                    List.of(
                            new SessionTokens("a", new int[] {1, 2}, 2, 2, 1),
                            new SessionTokens("b", new int[] {3}, 1, 1, 1)));
            long bytes = pool.stats().bytes();

            pool.finish("a");
            assertThat(pool.stats().bytes()).isEqualTo(bytes);
            pool.finish("b");

            assertThat(pool.stats()).isEqualTo(new SessionStats(0, 0, 0, 2, 0, 0, 1, 0));
        }
    }

    private static SessionPool pool(int compactionColumns) {
        return new SessionPool(
                "random", network, manager, ROOMY, System::nanoTime, compactionColumns);
    }

    /** Logits after every position of {@code tokens}, computed alone in one full pass. */
    private static float[][] reference(int[] tokens) {
        try (SessionPool fresh = pool(SessionPool.COMPACTION_COLUMNS)) {
            int length = tokens.length;
            SessionTokens alone = new SessionTokens("ref", tokens, length, length, length);
            BatchLogits logits = fresh.forward(List.of(alone));
            float[][] all = new float[length][];
            for (int p = 0; p < length; p++) {
                all[p] = slice(logits, 0, p);
            }
            return all;
        }
    }

    private static float[] slice(BatchLogits logits, int sequence, int position) {
        int offset = logits.offset(sequence, position);
        return Arrays.copyOfRange(logits.values(), offset, offset + logits.vocabSize());
    }

    private static int[] append(int[] tokens, int token) {
        int[] extended = Arrays.copyOf(tokens, tokens.length + 1);
        extended[tokens.length] = token;
        return extended;
    }
}
