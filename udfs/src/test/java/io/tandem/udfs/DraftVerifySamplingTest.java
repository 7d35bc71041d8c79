package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.BatchLogits;
import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.Sampler;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionStore;
import io.tandem.model.SessionTokens;
import io.tandem.model.internal.RandomGpt2;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.TokenDistribution;
import io.tandem.speculative.Verification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sampling through the real draft and verify functions, on random-weight models, yields the
 * target's next-token distribution: χ² at p = 0.001 over fixed request seeds. The draft is a
 * different random model, so most of its proposals are rejected and corrected.
 */
class DraftVerifySamplingTest {

    private static final double P_VALUE = 0.001;
    private static final int REQUESTS = 4000;
    private static final int BATCH = 500;
    private static final SessionLimits LIMITS =
            new SessionLimits(BATCH, 1L << 30, Duration.ofMinutes(5));

    @TempDir static Path root;

    private static CausalLm draft;
    private static CausalLm target;

    @BeforeAll
    static void load() throws Exception {
        draft =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("draft"), RandomGpt2.BYTE_LEVEL_CONFIG, 7));
        target =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("target"), RandomGpt2.BYTE_LEVEL_CONFIG, 5));
    }

    @AfterAll
    static void close() {
        draft.close();
        target.close();
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}, γ = {2}")
    @CsvSource({"1.0, 1.0, 2", "2.0, 1.0, 1", "3.0, 0.9, 3"})
    void theFirstGeneratedTokenFollowsTheTargetDistribution(
            double temperature, double topP, int gamma) throws Exception {
        int[] prompt = target.tokenizer().encode("Emma");
        TokenDistribution p = targetDistribution(prompt, new SamplingConfig(temperature, topP, 0));
        long[] counts = new long[target.info().vocabSize()];
        try (Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            for (int first = 0; first < REQUESTS; first += BATCH) {
                List<SequenceRound> batch = new ArrayList<>();
                for (int seed = first; seed < first + BATCH; seed++) {
                    SamplingConfig sampling = new SamplingConfig(temperature, topP, seed);
                    GenerationRequest request =
                            new GenerationRequest("r" + seed, prompt, 8, sampling);
                    batch.add(SequenceProgress.start(request, -1).round(gamma));
                }
                List<DraftProposal> drafts = drafter.draft(batch);
                List<Verification> verifications = verifier.verify(batch, drafts);
                for (int i = 0; i < batch.size(); i++) {
                    Verification verification = verifications.get(i);
                    int token =
                            verification.accepted() > 0
                                    ? drafts.get(i).token(0)
                                    : verification.nextToken();
                    counts[token]++;
                    drafter.finish(batch.get(i).requestId());
                    verifier.finish(batch.get(i).requestId());
                }
            }
        }

        assertThat(pValue(counts, p)).isGreaterThan(P_VALUE);
    }

    private static TokenDistribution targetDistribution(int[] prompt, SamplingConfig sampling)
            throws Exception {
        try (SessionStore store = target.openSessions(LIMITS)) {
            BatchLogits logits =
                    store.forward(
                            List.of(
                                    new SessionTokens(
                                            "p", prompt, prompt.length, prompt.length, 1)));
            return new Sampler(sampling)
                    .distribution(
                            logits.values(),
                            logits.offset(0, prompt.length - 1),
                            logits.vocabSize());
        }
    }

    /**
     * χ² p-value; tokens expected fewer than 5 times are pooled; impossible tokens must not occur.
     */
    private static double pValue(long[] counts, TokenDistribution p) {
        List<Double> expected = new ArrayList<>();
        List<Long> observed = new ArrayList<>();
        double pooledExpected = 0;
        long pooledObserved = 0;
        for (int token = 0; token < counts.length; token++) {
            double e = p.probability(token) * REQUESTS;
            if (e == 0) {
                assertThat(counts[token]).as("count of impossible token %d", token).isZero();
            } else if (e < 5) {
                pooledExpected += e;
                pooledObserved += counts[token];
            } else {
                expected.add(e);
                observed.add(counts[token]);
            }
        }
        if (pooledExpected > 0) {
            expected.add(pooledExpected);
            observed.add(pooledObserved);
        }
        assertThat(expected).as("cells of the χ² test").hasSizeGreaterThan(10);
        return new ChiSquareTest()
                .chiSquareTest(
                        expected.stream().mapToDouble(Double::doubleValue).toArray(),
                        observed.stream().mapToLong(Long::longValue).toArray());
    }
}
