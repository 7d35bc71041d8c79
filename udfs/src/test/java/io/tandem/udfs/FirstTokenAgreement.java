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
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.TokenDistribution;
import io.tandem.speculative.Verification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.math3.stat.inference.ChiSquareTest;

/**
 * Samples the first generated token of many seeded requests through the real draft and verify
 * functions and tests the counts against the target's own next-token distribution with χ².
 */
final class FirstTokenAgreement {

    private static final int BATCH = 500;
    private static final SessionLimits LIMITS =
            new SessionLimits(BATCH, 1L << 30, Duration.ofMinutes(5));

    private FirstTokenAgreement() {}

    /** The χ² p-value of {@code requests} first tokens against the target's distribution. */
    static double pValue(
            CausalLm draft,
            CausalLm target,
            String promptText,
            double temperature,
            double topP,
            int gamma,
            int requests)
            throws Exception {
        int[] prompt = target.tokenizer().encode(promptText);
        TokenDistribution p =
                targetDistribution(target, prompt, new SamplingConfig(temperature, topP, 0));
        long[] counts = new long[target.info().vocabSize()];
        try (Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            for (int first = 0; first < requests; first += BATCH) {
                List<SequenceRound> batch = new ArrayList<>();
                for (int seed = first; seed < Math.min(requests, first + BATCH); seed++) {
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
        return pValue(counts, p, requests);
    }

    private static TokenDistribution targetDistribution(
            CausalLm target, int[] prompt, SamplingConfig sampling) throws Exception {
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
    private static double pValue(long[] counts, TokenDistribution p, int requests) {
        List<Double> expected = new ArrayList<>();
        List<Long> observed = new ArrayList<>();
        double pooledExpected = 0;
        long pooledObserved = 0;
        for (int token = 0; token < counts.length; token++) {
            double e = p.probability(token) * requests;
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
        assertThat(expected).as("cells of the χ² test").hasSizeGreaterThan(5);
        return new ChiSquareTest()
                .chiSquareTest(
                        expected.stream().mapToDouble(Double::doubleValue).toArray(),
                        observed.stream().mapToLong(Long::longValue).toArray());
    }
}
