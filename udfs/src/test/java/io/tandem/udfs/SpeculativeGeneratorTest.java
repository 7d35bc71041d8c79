package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.CausalLm;
import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.model.internal.RandomGpt2;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Speculative decoding with a random tiny draft against another random tiny target (vocabulary 257,
 * context 32) is lossless: greedy output equals the target's own greedy decoding token for token,
 * whatever γ, batch or lost sessions.
 */
class SpeculativeGeneratorTest {

    static final SessionLimits LIMITS = new SessionLimits(64, 1L << 28, Duration.ofMinutes(5));

    @TempDir static Path root;

    private static RandomPair pair;
    private static CausalLm draft;
    private static CausalLm target;

    /** The target's weights, with a token its greedy decoding reaches declared end-of-sequence. */
    private static CausalLm stoppingTarget;

    @BeforeAll
    static void load() throws Exception {
        pair = RandomPair.write(root);
        draft = pair.draft();
        target = pair.target();
        int[] continuation = target.generate(List.of(greedy("probe", "Emma", 20))).get(0).tokens();
        Path stopping =
                RandomGpt2.writeModel(
                        root.resolve("stopping"),
                        RandomGpt2.BYTE_LEVEL_CONFIG,
                        RandomPair.TARGET_SEED);
        Path config = stopping.resolve("config.json");
        Files.writeString(
                config,
                Files.readString(config)
                        .replace(
                                "\"eos_token_id\": 256",
                                "\"eos_token_id\": "
                                        + continuation[firstNewTokenFrom(continuation, 6)]));
        stoppingTarget = CausalLm.load(stopping);
    }

    @AfterAll
    static void close() {
        pair.close();
        stoppingTarget.close();
    }

    @ParameterizedTest(name = "γ = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void greedyOutputMatchesTargetTokenForToken(int gamma) throws Exception {
        List<GenerationRequest> batch =
                List.of(
                        greedy("emma", "Emma", 20),
                        greedy("long", "It is a truth universally", 7),
                        greedy("one", "E", 25),
                        greedy("mid", "Mr. Knightley", 12));

        for (GenerationRequest request : batch) {
            assertThat(speculative(draft, target, List.of(request), gamma))
                    .isEqualTo(target.generate(List.of(request)));
        }
        assertThat(speculative(draft, target, batch, gamma)).isEqualTo(target.generate(batch));
    }

    @ParameterizedTest(name = "γ = {0}")
    @ValueSource(ints = {1, 3, 6})
    void stopsAtTheEndOfSequenceTokenOrTheLengthLikeTheTarget(int gamma) throws Exception {
        List<GenerationRequest> batch =
                List.of(
                        greedy("eos", "Emma", 20),
                        greedy("short", "Emma", 4),
                        greedy("other", "Harriet", 15),
                        greedy("tiny", "Box", 1));

        List<Generation> expected = stoppingTarget.generate(batch);
        assertThat(expected.get(0).finishReason()).isEqualTo(FinishReason.EOS);
        assertThat(expected.get(1).finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(speculative(draft, stoppingTarget, batch, gamma)).isEqualTo(expected);
    }

    @Test
    void aDraftEqualToTheTargetIsAlwaysAcceptedWhenGreedy() throws Exception {
        List<GenerationRequest> batch = List.of(greedy("a", "Emma", 20), greedy("b", "Hi", 13));
        try (Drafter drafter = new Drafter(target, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            List<SpeculativeGeneration> results =
                    new SpeculativeGenerator(drafter, verifier).generate(batch, 4);

            assertThat(results.stream().map(SpeculativeGeneration::generation).toList())
                    .isEqualTo(target.generate(batch));
            for (SpeculativeGeneration result : results) {
                assertThat(result.acceptance().totalAccepted())
                        .isEqualTo(result.acceptance().totalDrafted());
            }
            // 20 tokens in rounds of 5; the last round is capped to the 5 tokens left
            assertThat(results.get(0).rounds()).isEqualTo(4);
        }
    }

    @Test
    void losingSessionsBetweenRoundsDoesNotChangeTheOutput() throws Exception {
        List<GenerationRequest> batch =
                List.of(
                        greedy("a", "Emma", 22),
                        greedy("b", "Mr. Knightley", 15),
                        greedy("c", "It is", 20));

        assertThat(losingSessions(batch, 3)).isEqualTo(target.generate(batch));
    }

    @Test
    void sampledOutputDoesNotDependOnTheBatchOrOnLostSessions() throws Exception {
        List<GenerationRequest> batch =
                List.of(
                        sampled("a", "Emma", 22, 1.0, 1.0, 11),
                        sampled("b", "Mr. Knightley", 15, 0.8, 0.9, 12),
                        greedy("c", "It is", 20),
                        sampled("d", "Harriet", 18, 1.5, 0.95, 13));
        List<Generation> alone = new ArrayList<>();
        for (GenerationRequest request : batch) {
            alone.addAll(speculative(draft, target, List.of(request), 3));
        }

        assertThat(speculative(draft, target, batch, 3)).isEqualTo(alone);
        assertThat(losingSessions(batch, 3)).isEqualTo(alone);
    }

    @Test
    void aDraftEqualToTheTargetReproducesTheTargetsOwnSamples() throws Exception {
        // drafting and plain sampling draw the same number at each position
        List<GenerationRequest> batch =
                List.of(
                        sampled("a", "Emma", 20, 1.0, 1.0, 21),
                        sampled("b", "Hi", 25, 0.7, 0.9, 22));

        assertThat(speculative(target, target, batch, 4)).isEqualTo(target.generate(batch));
    }

    @Test
    void countsRoundsAndAcceptedTokensPerPosition() throws Exception {
        try (Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            SpeculativeGeneration result =
                    new SpeculativeGenerator(drafter, verifier)
                            .generate(List.of(greedy("a", "Emma", 20)), 3)
                            .get(0);

            long[] drafted = result.acceptance().drafted();
            long[] accepted = result.acceptance().accepted();
            assertThat(drafted).hasSize(3);
            // a round with a single token left drafts nothing
            assertThat(drafted[0]).isBetween(result.rounds() - 1L, (long) result.rounds());
            // every round yields its accepted tokens plus one
            assertThat(result.generation().finishReason()).isEqualTo(FinishReason.LENGTH);
            assertThat(result.acceptance().totalAccepted() + result.rounds()).isEqualTo(20);
            assertThat(accepted[0]).isGreaterThanOrEqualTo(accepted[1]);
            assertThat(accepted[1]).isGreaterThanOrEqualTo(accepted[2]);
        }
    }

    @Test
    void rejectsRequestsThatRunPastTheContext() throws Exception {
        try (Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            SpeculativeGenerator generator = new SpeculativeGenerator(drafter, verifier);

            assertThatThrownBy(() -> generator.generate(List.of(greedy("x", "0123456789", 23)), 2))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("request x: prompt of 10 tokens plus 23 new tokens");
            assertThatThrownBy(() -> generator.start(List.of(), -1))
                    .hasMessageContaining("speculationLength must be >= 0");
        }
    }

    /** The first index from {@code start} on whose token does not occur earlier. */
    private static int firstNewTokenFrom(int[] tokens, int start) {
        for (int i = start; ; i++) {
            int token = tokens[i];
            if (Arrays.stream(tokens, 0, i).noneMatch(t -> t == token)) {
                return i;
            }
        }
    }

    static List<Generation> speculative(
            CausalLm draftModel, CausalLm targetModel, List<GenerationRequest> batch, int gamma)
            throws Exception {
        try (Drafter drafter = new Drafter(draftModel, LIMITS);
                Verifier verifier = new Verifier(targetModel, LIMITS)) {
            List<Generation> generations = new ArrayList<>();
            for (SpeculativeGeneration result :
                    new SpeculativeGenerator(drafter, verifier).generate(batch, gamma)) {
                generations.add(result.generation());
            }
            assertThat(drafter.sessionStats().sessions()).isZero();
            assertThat(verifier.sessionStats().sessions()).isZero();
            return generations;
        }
    }

    /**
     * Generates speculatively, and after every round drops the session of one running request,
     * alternately on the verify and the draft side; checks that rebuilds happened on both.
     */
    private static List<Generation> losingSessions(List<GenerationRequest> batch, int gamma)
            throws Exception {
        try (Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            SpeculativeGenerator.Run run =
                    new SpeculativeGenerator(drafter, verifier).start(batch, gamma);
            for (int round = 0; !run.finished(); round++) {
                run.round();
                List<String> running = run.running();
                if (!running.isEmpty()) {
                    String victim = running.get(round % running.size());
                    if (round % 2 == 0) {
                        verifier.finish(victim);
                    } else {
                        drafter.finish(victim);
                    }
                }
            }
            assertThat(verifier.sessionStats().rebuilt()).isPositive();
            assertThat(drafter.sessionStats().rebuilt()).isPositive();
            assertThat(verifier.sessionStats().sessions()).isZero();
            assertThat(drafter.sessionStats().sessions()).isZero();
            return run.results().stream().map(SpeculativeGeneration::generation).toList();
        }
    }

    static GenerationRequest sampled(
            String id,
            String prompt,
            int maxNewTokens,
            double temperature,
            double topP,
            long seed) {
        return new GenerationRequest(
                id,
                target.tokenizer().encode(prompt),
                maxNewTokens,
                new SamplingConfig(temperature, topP, seed));
    }

    static GenerationRequest greedy(String id, String prompt, int maxNewTokens) {
        return new GenerationRequest(
                id, target.tokenizer().encode(prompt), maxNewTokens, SamplingConfig.greedy());
    }
}
