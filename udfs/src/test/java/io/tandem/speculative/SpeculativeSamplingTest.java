package io.tandem.speculative;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sampling through draft and verify yields exactly the target's distribution: χ² goodness-of-fit at
 * p = 0.001 over many request seeds (all fixed, so every run computes the same statistic), on a
 * five-token vocabulary where the draft rules out tokens the target allows and top-p rules out
 * tokens the draft allows. A deliberately wrong rule fails the same check, so the check has teeth.
 */
class SpeculativeSamplingTest {

    private static final double P_VALUE = 0.001;
    private static final int TRIALS = 20_000;
    private static final int VOCAB = 5;
    private static final int[] PROMPT = {1, 3, 0};
    private static final ToyModel TARGET = new ToyModel(VOCAB, 1, 1.5, false);
    private static final ToyModel DRAFT = new ToyModel(VOCAB, 2, 1.5, true);

    /** One way of judging a draft, so a wrong rule can be run through the same harness. */
    interface Rule {
        Verification verify(
                DraftProposal draft, List<TokenDistribution> target, long seed, int position);
    }

    /**
     * Temperature, top-p and speculation length. The first token is decided by the draws of its
     * position alone, whatever γ; the second comes from a draft when γ > 1 and from a bonus draw or
     * a second round when γ = 1.
     */
    static Stream<Arguments> settings() {
        return Stream.of(
                Arguments.of(0.8, 0.9, 1),
                Arguments.of(0.8, 0.9, 3),
                Arguments.of(1.3, 1.0, 1),
                Arguments.of(1.3, 1.0, 2),
                Arguments.of(1.0, 0.6, 2));
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}")
    @CsvSource({"0.8, 0.9", "1.3, 1.0", "1.0, 0.6"})
    void theNextTokenFollowsTheTargetDistribution(double temperature, double topP) {
        TokenDistribution p = TARGET.distribution(PROMPT, temperature, topP);

        long[] observed = histogram(AcceptanceRule::verify, temperature, topP, 2, 1);

        assertFits(observed, token -> p.probability(token[0]), 1);
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}, γ = {2}")
    @MethodSource("settings")
    void theFirstTwoTokensFollowTheTargetJointly(double temperature, double topP, int gamma) {
        long[] observed = histogram(AcceptanceRule::verify, temperature, topP, gamma, 2);

        assertFits(observed, tokens -> jointTargetProbability(tokens, temperature, topP), 2);
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}, γ = {2}")
    @MethodSource("settings")
    void aRuleThatSkipsTheResidualIsCaught(double temperature, double topP, int gamma) {
        long[] observed =
                histogram(SpeculativeSamplingTest::wrongRule, temperature, topP, gamma, 2);

        double pValue =
                pValue(observed, tokens -> jointTargetProbability(tokens, temperature, topP), 2);
        assertThat(pValue).isLessThan(P_VALUE);
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}, γ = {2}")
    @MethodSource("settings")
    void aDraftEqualToTheTargetIsAlwaysAcceptedAndSamplesLikeTheTarget(
            double temperature, double topP, int gamma) {
        for (long seed = 0; seed < 200; seed++) {
            Round round =
                    round(TARGET, AcceptanceRule::verify, seed, PROMPT, temperature, topP, gamma);
            assertThat(round.verification().accepted()).isEqualTo(gamma);
            // drafting uses the same draws as plain sampling, so the tokens are the target's own
            int[] context = PROMPT;
            for (int i = 0; i <= gamma; i++) {
                int token =
                        TARGET.distribution(context, temperature, topP)
                                .sample(Draw.SAMPLE.uniform(seed, context.length));
                assertThat(round.tokens()[i]).isEqualTo(token);
                context = append(context, token);
            }
        }
    }

    /** Counts of the first {@code length} generated tokens over {@link #TRIALS} request seeds. */
    private static long[] histogram(
            Rule rule, double temperature, double topP, int gamma, int length) {
        long[] counts = new long[(int) Math.pow(VOCAB, length)];
        for (long seed = 0; seed < TRIALS; seed++) {
            int[] context = PROMPT;
            while (context.length < PROMPT.length + length) {
                Round round = round(DRAFT, rule, seed, context, temperature, topP, gamma);
                for (int token : round.tokens()) {
                    context = append(context, token);
                }
            }
            counts[cell(Arrays.copyOfRange(context, PROMPT.length, PROMPT.length + length))]++;
        }
        return counts;
    }

    /** The tokens one draft-and-verify round adds, and its verification. */
    private record Round(int[] tokens, Verification verification) {}

    private static Round round(
            ToyModel draftModel,
            Rule rule,
            long seed,
            int[] context,
            double temperature,
            double topP,
            int gamma) {
        int start = context.length;
        int[] drafted = new int[gamma];
        List<TokenDistribution> q = new ArrayList<>();
        List<TokenDistribution> p = new ArrayList<>();
        int[] extended = context;
        for (int i = 0; i < gamma; i++) {
            TokenDistribution qi = draftModel.distribution(extended, temperature, topP);
            drafted[i] = qi.sample(Draw.SAMPLE.uniform(seed, start + i));
            q.add(qi);
            p.add(TARGET.distribution(extended, temperature, topP));
            extended = append(extended, drafted[i]);
        }
        p.add(TARGET.distribution(extended, temperature, topP));
        Verification verification = rule.verify(new DraftProposal(drafted, q), p, seed, start);
        int[] tokens = Arrays.copyOf(drafted, verification.accepted() + 1);
        tokens[verification.accepted()] = verification.nextToken();
        return new Round(tokens, verification);
    }

    /**
     * The classic mistake: after a rejection, sample the correction from the target instead of the
     * residual {@code max(0, p - q)}. Tokens the draft over-proposes come out too often.
     */
    private static Verification wrongRule(
            DraftProposal draft, List<TokenDistribution> target, long seed, int position) {
        for (int i = 0; i < draft.length(); i++) {
            double p = target.get(i).probability(draft.token(i));
            double q = draft.distribution(i).probability(draft.token(i));
            if (Draw.ACCEPT.uniform(seed, position + i) * q >= p) {
                int correction = target.get(i).sample(Draw.RESIDUAL.uniform(seed, position + i));
                return new Verification(draft.length(), i, correction);
            }
        }
        int bonus =
                target.get(draft.length())
                        .sample(Draw.SAMPLE.uniform(seed, position + draft.length()));
        return new Verification(draft.length(), draft.length(), bonus);
    }

    private static double jointTargetProbability(int[] tokens, double temperature, double topP) {
        double probability = 1;
        int[] context = PROMPT;
        for (int token : tokens) {
            probability *= TARGET.distribution(context, temperature, topP).probability(token);
            context = append(context, token);
        }
        return probability;
    }

    private static void assertFits(
            long[] observed, Function<int[], Double> probability, int length) {
        assertThat(pValue(observed, probability, length))
                .as("χ² p-value of %s", Arrays.toString(observed))
                .isGreaterThan(P_VALUE);
    }

    /**
     * χ² p-value of the observed cell counts against {@code probability}; cells expecting fewer
     * than 5 counts are pooled, and a count in a cell of probability 0 fails at once.
     */
    private static double pValue(long[] observed, Function<int[], Double> probability, int length) {
        long total = Arrays.stream(observed).sum();
        List<Double> expected = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        double pooledExpected = 0;
        long pooledCount = 0;
        for (int cell = 0; cell < observed.length; cell++) {
            double p = probability.apply(tokens(cell, length));
            if (p == 0) {
                assertThat(observed[cell])
                        .as("count of impossible tokens %s", Arrays.toString(tokens(cell, length)))
                        .isZero();
            } else if (p * total < 5) {
                pooledExpected += p * total;
                pooledCount += observed[cell];
            } else {
                expected.add(p * total);
                counts.add(observed[cell]);
            }
        }
        if (pooledExpected > 0) {
            expected.add(pooledExpected);
            counts.add(pooledCount);
        }
        return new ChiSquareTest()
                .chiSquareTest(
                        expected.stream().mapToDouble(Double::doubleValue).toArray(),
                        counts.stream().mapToLong(Long::longValue).toArray());
    }

    private static int cell(int[] tokens) {
        int cell = 0;
        for (int token : tokens) {
            cell = cell * VOCAB + token;
        }
        return cell;
    }

    private static int[] tokens(int cell, int length) {
        int[] tokens = new int[length];
        for (int i = length - 1; i >= 0; i--) {
            tokens[i] = cell % VOCAB;
            cell /= VOCAB;
        }
        return tokens;
    }

    private static int[] append(int[] context, int token) {
        int[] extended = Arrays.copyOf(context, context.length + 1);
        extended[context.length] = token;
        return extended;
    }
}
