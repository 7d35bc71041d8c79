package io.tandem.planner.pipeline;

import java.util.List;

/**
 * Exact event-driven timing of batch runs on the two nodes. Stateless and thread-safe.
 *
 * <p>Pipelined: jobs are ordered round-robin, (1,1), (2,1), …, (M,1), (1,2), …, skipping batches
 * that have run all their rounds; each node runs its jobs in that order, a job's draft waits for
 * the draft node and for the batch's previous verification (or its ready time in round 1), and its
 * verification waits for its draft and for the verify node.
 *
 * <p>Sequential: the "no pipelining" baseline, where the two nodes never work at the same time.
 * Each batch runs all its rounds before the next one starts, in the order given: with the nodes
 * never overlapping, interleaving the batches could only delay the earlier ones without finishing
 * the last one sooner.
 */
public final class PipelineEvaluator {

    private PipelineEvaluator() {}

    /** The pipelined schedule of {@code runs}, batch order = round-robin order. */
    public static PipelineTimeline pipelined(List<BatchRun> runs) {
        int batches = requireBatches(runs);
        int maxRounds = 0;
        for (BatchRun run : runs) {
            maxRounds = Math.max(maxRounds, run.rounds());
        }
        double[][] verifyEnds = new double[batches][];
        for (int m = 0; m < batches; m++) {
            verifyEnds[m] = new double[runs.get(m).rounds()];
        }
        double draftFree = 0;
        double verifyFree = 0;
        for (int n = 0; n < maxRounds; n++) {
            for (int m = 0; m < batches; m++) {
                BatchRun run = runs.get(m);
                if (n >= run.rounds()) {
                    continue;
                }
                double ready = n == 0 ? run.readyAt() : verifyEnds[m][n - 1];
                double draftEnd = Math.max(ready, draftFree) + run.draft(n);
                double verifyEnd = Math.max(draftEnd, verifyFree) + run.verify(n);
                draftFree = draftEnd;
                verifyFree = verifyEnd;
                verifyEnds[m][n] = verifyEnd;
            }
        }
        return new PipelineTimeline(verifyEnds);
    }

    /**
     * The pipelined schedule of {@code runs} with earlier batches first: a batch's rounds run as if
     * the later batches did not exist, and later batches only fill the gaps this leaves on either
     * node (a node starts a later batch's job only if it ends before any earlier batch can need
     * that node). Round-robin makes every batch finish near the end of the window; this lets early
     * batches finish early, which is what mean latency rewards, at little cost to the makespan.
     * Plain greedy list scheduling would not do: when verification dominates, a later batch's
     * verify started while the first batch drafts would delay the first batch by a whole verify
     * every round.
     */
    public static PipelineTimeline prioritized(List<BatchRun> runs) {
        int batches = requireBatches(runs);
        double[][] verifyEnds = new double[batches][];
        int[] nextRound = new int[batches];
        // when each batch's next job can start, and whether that job is a draft (else a verify)
        double[] ready = new double[batches];
        boolean[] drafting = new boolean[batches];
        int jobs = 0;
        for (int m = 0; m < batches; m++) {
            BatchRun run = runs.get(m);
            verifyEnds[m] = new double[run.rounds()];
            ready[m] = run.readyAt();
            drafting[m] = true;
            jobs += 2 * run.rounds();
        }
        double draftFree = 0;
        double verifyFree = 0;
        while (jobs > 0) {
            Slot draft = slot(runs, nextRound, ready, drafting, true, draftFree, verifyFree);
            Slot verify = slot(runs, nextRound, ready, drafting, false, verifyFree, draftFree);
            Slot next =
                    verify != null && (draft == null || verify.start <= draft.start)
                            ? verify
                            : draft;
            int m = next.batch;
            double end = next.start + next.seconds;
            if (drafting[m]) {
                draftFree = end;
                drafting[m] = false;
            } else {
                verifyFree = end;
                verifyEnds[m][nextRound[m]++] = end;
                drafting[m] = true;
            }
            ready[m] = nextRound[m] < runs.get(m).rounds() ? end : Double.POSITIVE_INFINITY;
            jobs--;
        }
        return new PipelineTimeline(verifyEnds);
    }

    private record Slot(int batch, double start, double seconds) {}

    /**
     * The job a node takes next: of the batches waiting for this node, the one that can start first
     * without delaying any earlier batch; the earlier batch on equal starts. Null if none.
     */
    private static Slot slot(
            List<BatchRun> runs,
            int[] nextRound,
            double[] ready,
            boolean[] drafting,
            boolean draftNode,
            double free,
            double otherFree) {
        Slot best = null;
        // the earliest time any earlier batch can want this node
        double protectedFrom = Double.POSITIVE_INFINITY;
        for (int m = 0; m < runs.size(); m++) {
            if (ready[m] == Double.POSITIVE_INFINITY) {
                continue;
            }
            BatchRun run = runs.get(m);
            int n = nextRound[m];
            if (drafting[m] == draftNode) {
                double start = Math.max(free, ready[m]);
                double seconds = draftNode ? run.draft(n) : run.verify(n);
                if (start + seconds <= protectedFrom && (best == null || start < best.start)) {
                    best = new Slot(m, start, seconds);
                }
                protectedFrom = Math.min(protectedFrom, ready[m]);
            } else {
                double otherStage = draftNode ? run.verify(n) : run.draft(n);
                protectedFrom = Math.min(protectedFrom, Math.max(otherFree, ready[m]) + otherStage);
            }
        }
        return best;
    }

    /** The no-pipelining schedule of {@code runs}: batch after batch, draft after verify. */
    public static PipelineTimeline sequential(List<BatchRun> runs) {
        int batches = requireBatches(runs);
        double[][] verifyEnds = new double[batches][];
        double free = 0;
        for (int m = 0; m < batches; m++) {
            BatchRun run = runs.get(m);
            verifyEnds[m] = new double[run.rounds()];
            free = Math.max(free, run.readyAt());
            for (int n = 0; n < run.rounds(); n++) {
                free += run.draft(n) + run.verify(n);
                verifyEnds[m][n] = free;
            }
        }
        return new PipelineTimeline(verifyEnds);
    }

    private static int requireBatches(List<BatchRun> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("nothing to evaluate: no batch runs");
        }
        return runs.size();
    }
}
