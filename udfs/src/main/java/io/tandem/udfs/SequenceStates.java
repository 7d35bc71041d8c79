package io.tandem.udfs;

import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.CallShape;
import io.tandem.schemas.internal.DraftTokens;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import io.tandem.schemas.internal.SparseDistribution;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.TokenDistribution;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Moves a sequence between the round loop's records ({@link SequenceState}, {@link DraftTokens})
 * and the model side's values ({@link SequenceProgress}, {@link DraftProposal}). Pure.
 */
public final class SequenceStates {

    private SequenceStates() {}

    /**
     * A request that has generated nothing yet. The prompt travels as token ids only: its text is
     * not needed again, and would add to the record every round carries between TaskManagers.
     */
    public static SequenceState start(AdmittedRequest admitted) {
        InferenceRequest lean =
                InferenceRequest.newBuilder(admitted.getRequest()).setPrompt("").build();
        return SequenceState.newBuilder()
                .setAdmitted(AdmittedRequest.newBuilder(admitted).setRequest(lean).build())
                .build();
    }

    /** The model's view of an admitted request. */
    public static GenerationRequest request(AdmittedRequest admitted) {
        InferenceRequest request = admitted.getRequest();
        Sampling sampling = request.getSampling();
        // Without an explicit seed, the id seeds the stream: a replayed request samples the same
        // text.
        long seed =
                sampling.getSeed() != null ? sampling.getSeed() : request.getRequestId().hashCode();
        int[] prompt = toInts(admitted.getPromptTokenIds());
        return new GenerationRequest(
                request.getRequestId(),
                prompt,
                request.getMaxNewTokens(),
                new SamplingConfig(sampling.getTemperature(), sampling.getTopP(), seed));
    }

    /**
     * The speculation length of a sequence in a round of length {@code batchLength}: the batch's
     * own unless the request asked for {@code off} (0) or a fixed length.
     */
    public static int speculationLength(SequenceState state, int batchLength) {
        return Speculation.parse(state.getAdmitted().getRequest().getSpeculation())
                .lengthIn(batchLength);
    }

    /**
     * The shape of a model call over {@code rounds}: sequences, new positions per sequence in each
     * pass, passes, mean context (the tokens each sequence has before the call), and how many
     * sequences have generated nothing yet, whose prompts the call prefills.
     */
    public static CallShape callShape(List<SequenceRound> rounds, int positions, int passes) {
        double context = rounds.stream().mapToInt(SequenceRound::length).average().orElse(0);
        int prefills = 0;
        int prefillTokens = 0;
        for (SequenceRound round : rounds) {
            if (round.length() == round.promptLength()) {
                prefills++;
                prefillTokens += round.promptLength();
            }
        }
        return new CallShape(rounds.size(), positions, passes, context, prefills, prefillTokens);
    }

    /** The sequence's progress, to apply a round to. */
    public static SequenceProgress progress(SequenceState state, int eosTokenId) {
        return SequenceProgress.resume(
                request(state.getAdmitted()), eosTokenId, toInts(state.getGenerated()));
    }

    /** The sequence's drafted and accepted tokens per draft position over its rounds. */
    public static AcceptanceStats acceptance(SequenceState state) {
        return new AcceptanceStats(
                toLongs(state.getDraftedByPosition()), toLongs(state.getAcceptedByPosition()));
    }

    /** The drafted and accepted tokens per draft position of one round, over its batch. */
    public static AcceptanceStats acceptance(RoundReport report) {
        return new AcceptanceStats(
                toLongs(report.getDraftedByPosition()), toLongs(report.getAcceptedByPosition()));
    }

    /** {@code states}, each with {@code change} applied to a copy. */
    public static List<SequenceState> each(
            List<SequenceState> states, Consumer<SequenceState.Builder> change) {
        List<SequenceState> changed = new ArrayList<>(states.size());
        for (SequenceState state : states) {
            SequenceState.Builder builder = SequenceState.newBuilder(state);
            change.accept(builder);
            changed.add(builder.build());
        }
        return changed;
    }

    /** A draft for the loop record; the distributions only when the request samples. */
    public static DraftTokens draftTokens(DraftProposal proposal) {
        List<SparseDistribution> distributions = new ArrayList<>();
        if (!proposal.distributions().isEmpty()) {
            for (int i = 0; i < proposal.length(); i++) {
                TokenDistribution q = proposal.distribution(i);
                List<Float> weights = new ArrayList<>(q.size());
                for (float w : q.weights()) {
                    weights.add(w);
                }
                distributions.add(new SparseDistribution(boxed(q.tokens()), weights));
            }
        }
        return new DraftTokens(boxed(proposal.tokens()), distributions);
    }

    /** The draft a loop record carries. */
    public static DraftProposal proposal(DraftTokens draft) {
        int[] tokens = toInts(draft.getTokens());
        if (draft.getDistributions().isEmpty()) {
            return DraftProposal.greedy(tokens);
        }
        List<TokenDistribution> distributions = new ArrayList<>(tokens.length);
        for (SparseDistribution q : draft.getDistributions()) {
            float[] weights = new float[q.getWeights().size()];
            for (int i = 0; i < weights.length; i++) {
                weights[i] = q.getWeights().get(i);
            }
            distributions.add(TokenDistribution.of(toInts(q.getTokens()), weights));
        }
        return new DraftProposal(tokens, distributions);
    }

    static int[] toInts(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<Integer> boxed(int[] values) {
        List<Integer> list = new ArrayList<>(values.length);
        for (int v : values) {
            list.add(v);
        }
        return list;
    }

    static long[] toLongs(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }

    static List<Long> boxed(long[] values) {
        List<Long> list = new ArrayList<>(values.length);
        for (long v : values) {
            list.add(v);
        }
        return list;
    }
}
