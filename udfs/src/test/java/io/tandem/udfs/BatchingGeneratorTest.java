package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching over a random tiny pair: requests submitted together share rounds, and each
 * one's greedy output equals the target's own, whether it started a batch or joined one running.
 */
class BatchingGeneratorTest {

    @TempDir static Path root;

    private static RandomPair pair;
    private static CausalLm draft;
    private static CausalLm target;

    @BeforeAll
    static void load() throws Exception {
        pair = RandomPair.write(root);
        draft = pair.draft();
        target = pair.target();
    }

    @AfterAll
    static void close() {
        pair.close();
    }

    @Test
    void requestsSubmittedTogetherShareRoundsAndEachEqualsTheTargetAlone() throws Exception {
        try (Drafter drafter = new Drafter(draft, SpeculativeGeneratorTest.LIMITS);
                Verifier verifier = new Verifier(target, SpeculativeGeneratorTest.LIMITS)) {
            BatchingGenerator batching =
                    new BatchingGenerator(
                            new SpeculativeGenerator(drafter, verifier),
                            BatchingGenerator.LengthRule.fixed(3),
                            4,
                            2,
                            target.info().eosTokenId(),
                            "test-batching");
            List<GenerationRequest> requests = new ArrayList<>();
            List<CompletableFuture<SpeculativeGeneration>> futures = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                GenerationRequest request = greedy("r" + i, "Emma " + "a".repeat(i), 6 + i % 5);
                requests.add(request);
                futures.add(batching.submit(request));
            }
            for (int i = 0; i < requests.size(); i++) {
                int[] alone = target.generate(List.of(requests.get(i))).get(0).tokens();
                assertThat(futures.get(i).get(30, TimeUnit.SECONDS).generation().tokens())
                        .as("request %d", i)
                        .containsExactly(alone);
            }
            BatchingGenerator.Stats stats = batching.stats();
            assertThat(stats.requests()).isEqualTo(10);
            // at most 4 at a time, and more than one most of the time
            assertThat(stats.meanBatchSize()).isGreaterThan(1.5).isLessThanOrEqualTo(4);
            batching.close();
        }
    }

    @Test
    void withoutADrafterItDecodesWithTheTargetAloneAndRefusesWhatDoesNotFit() throws Exception {
        try (Verifier verifier = new Verifier(target, SpeculativeGeneratorTest.LIMITS)) {
            BatchingGenerator batching =
                    new BatchingGenerator(
                            new SpeculativeGenerator(null, verifier),
                            BatchingGenerator.LengthRule.fixed(0),
                            8,
                            0,
                            target.info().eosTokenId(),
                            "test-plain");
            GenerationRequest request = greedy("plain", "It is a truth", 8);
            SpeculativeGeneration served = batching.submit(request).get(30, TimeUnit.SECONDS);
            assertThat(served.generation().tokens())
                    .containsExactly(target.generate(List.of(request)).get(0).tokens());
            assertThat(served.acceptance().totalDrafted()).isZero();

            int context = target.info().contextLength();
            assertThatThrownBy(() -> batching.submit(greedy("long", "Emma", context)).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("exceeds the context length of " + context);
            batching.close();
            assertThatThrownBy(() -> batching.submit(request).get()).hasMessageContaining("closed");
        }
    }

    private static GenerationRequest greedy(String id, String prompt, int maxNewTokens) {
        return new GenerationRequest(
                id, target.tokenizer().encode(prompt), maxNewTokens, SamplingConfig.greedy());
    }
}
