package io.tandem.udfs;

import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.speculative.DraftProposal;
import io.tandem.speculative.Verification;
import java.util.ArrayList;
import java.util.List;

/**
 * Speculative decoding in one process: drives a {@link Drafter} and a {@link Verifier} round by
 * round for a batch of requests with a fixed speculation length γ, as the streaming job does across
 * operators. Finished requests leave the batch and free their sessions on both sides. Benchmarks
 * and the demo use it; the output equals plain decoding with the target (greedy: token for token;
 * sampled: in distribution).
 *
 * <p>Without a drafter it decodes with the target alone, through the verifier, at length 0.
 *
 * <p>Thread-safe as far as the drafter and verifier are; a {@link Run} is not.
 */
public final class SpeculativeGenerator {

    private final Drafter drafter;
    private final Verifier verifier;

    /**
     * @param drafter null to decode with the target alone
     */
    public SpeculativeGenerator(Drafter drafter, Verifier verifier) {
        this.drafter = drafter;
        this.verifier = verifier;
    }

    /** The context every request must fit: the target's, or the smaller of the two models'. */
    public int contextLength() {
        int target = verifier.model().contextLength();
        return drafter == null ? target : Math.min(target, drafter.model().contextLength());
    }

    /**
     * Checks that {@code request}'s prompt and new tokens fit {@link #contextLength()}.
     *
     * @throws IllegalArgumentException saying by how much it does not
     */
    public void requireFits(GenerationRequest request) {
        int context = contextLength();
        if (!request.fits(context)) {
            throw new IllegalArgumentException(
                    "request "
                            + request.id()
                            + ": prompt of "
                            + request.promptLength()
                            + " tokens plus "
                            + request.maxNewTokens()
                            + " new tokens exceeds the context length of "
                            + context);
        }
    }

    /**
     * The advanced sequences of one {@link #step}, in order, their verifications, and how long the
     * draft call (0 without one) and the verify call took.
     */
    public record Step(
            List<SequenceProgress> advanced,
            List<Verification> verifications,
            double draftMillis,
            double verifyMillis) {

        /** The acceptance of the whole step. */
        public AcceptanceStats acceptance() {
            AcceptanceStats total = AcceptanceStats.none();
            for (Verification verification : verifications) {
                total = total.plus(verification);
            }
            return total;
        }
    }

    /**
     * One draft-and-verify round of {@code sequences} (none finished), drafting {@code length}
     * tokens each (capped per sequence by what it may still generate); a sequence that finishes
     * frees its sessions on both sides.
     *
     * @throws IllegalStateException if {@code length > 0} without a drafter
     */
    public Step step(List<SequenceProgress> sequences, int length) throws ModelException {
        List<SequenceRound> batch = new ArrayList<>(sequences.size());
        for (SequenceProgress sequence : sequences) {
            batch.add(sequence.round(length));
        }
        List<DraftProposal> drafts;
        long start = System.nanoTime();
        if (length == 0) {
            drafts = new ArrayList<>(batch.size());
            for (SequenceRound round : batch) {
                drafts.add(
                        round.sampling().isGreedy()
                                ? DraftProposal.greedy(new int[0])
                                : new DraftProposal(new int[0], List.of()));
            }
        } else if (drafter == null) {
            throw new IllegalStateException("speculation length " + length + " without a drafter");
        } else {
            drafts = drafter.draft(batch);
        }
        long drafted = System.nanoTime();
        List<Verification> verifications = verifier.verify(batch, drafts);
        long verified = System.nanoTime();
        List<SequenceProgress> advanced = new ArrayList<>(sequences.size());
        for (int k = 0; k < sequences.size(); k++) {
            SequenceProgress next = sequences.get(k).advance(drafts.get(k), verifications.get(k));
            advanced.add(next);
            if (next.finished()) {
                String id = next.request().id();
                if (drafter != null) {
                    drafter.finish(id);
                }
                verifier.finish(id);
            }
        }
        return new Step(
                advanced, verifications, (drafted - start) / 1e6, (verified - drafted) / 1e6);
    }

    /**
     * Generates every request to the end; one result per request, in order.
     *
     * @param speculationLength tokens drafted per round, {@code >= 0} (0: plain target decoding
     *     through the verifier)
     * @throws IllegalArgumentException if a request would run past the context of either model
     * @throws ModelException if a model fails
     */
    public List<SpeculativeGeneration> generate(
            List<GenerationRequest> requests, int speculationLength) throws ModelException {
        Run run = start(requests, speculationLength);
        while (!run.finished()) {
            run.round();
        }
        return run.results();
    }

    /** A generation to drive round by round (to observe or disturb it between rounds). */
    public Run start(List<GenerationRequest> requests, int speculationLength) {
        if (speculationLength < 0) {
            throw new IllegalArgumentException(
                    "speculationLength must be >= 0, got " + speculationLength);
        }
        requests.forEach(this::requireFits);
        return new Run(requests, speculationLength, verifier.model().eosTokenId());
    }

    /** The state of one {@link #generate} call between rounds. Not thread-safe. */
    public final class Run {

        private final int speculationLength;
        private final SequenceProgress[] progress;
        private final int[] rounds;
        private final AcceptanceStats[] acceptance;

        private Run(List<GenerationRequest> requests, int speculationLength, int eosTokenId) {
            this.speculationLength = speculationLength;
            this.progress = new SequenceProgress[requests.size()];
            this.rounds = new int[requests.size()];
            this.acceptance = new AcceptanceStats[requests.size()];
            for (int i = 0; i < progress.length; i++) {
                progress[i] = SequenceProgress.start(requests.get(i), eosTokenId);
                acceptance[i] = AcceptanceStats.none();
            }
        }

        /** Whether every request has finished. */
        public boolean finished() {
            for (SequenceProgress sequence : progress) {
                if (!sequence.finished()) {
                    return false;
                }
            }
            return true;
        }

        /** Ids of the requests still running. */
        public List<String> running() {
            List<String> ids = new ArrayList<>();
            for (SequenceProgress sequence : progress) {
                if (!sequence.finished()) {
                    ids.add(sequence.request().id());
                }
            }
            return ids;
        }

        /** One draft-and-verify round of every running request at the run's length. */
        public void round() throws ModelException {
            round(speculationLength);
        }

        /**
         * One draft-and-verify round of every running request, drafting {@code length} tokens
         * (capped per request by what it may still generate); returns the round's acceptance.
         */
        public AcceptanceStats round(int length) throws ModelException {
            List<Integer> running = new ArrayList<>();
            List<SequenceProgress> batch = new ArrayList<>();
            for (int i = 0; i < progress.length; i++) {
                if (!progress[i].finished()) {
                    running.add(i);
                    batch.add(progress[i]);
                }
            }
            Step step = step(batch, length);
            for (int k = 0; k < running.size(); k++) {
                int i = running.get(k);
                progress[i] = step.advanced().get(k);
                rounds[i]++;
                acceptance[i] = acceptance[i].plus(step.verifications().get(k));
            }
            return step.acceptance();
        }

        /** One result per request, in order; only once {@link #finished()}. */
        public List<SpeculativeGeneration> results() {
            List<SpeculativeGeneration> results = new ArrayList<>(progress.length);
            for (int i = 0; i < progress.length; i++) {
                results.add(
                        new SpeculativeGeneration(
                                progress[i].generation(), rounds[i], acceptance[i]));
            }
            return results;
        }
    }
}
