package io.tandem.planner.batching;

import java.util.List;
import java.util.TreeSet;

/**
 * A planner for windows of hundreds to thousands of requests, aiming at the {@link ExactPlanner}'s
 * objective within about 1%. Every step below minimizes the same search value as the exact planner,
 * set by the problem's {@link PlanningProblem.Objective}: Cyc plus Fill / N(l) by default, Cyc
 * alone for the paper's. For each allowed speculation length:
 *
 * <ol>
 *   <li>cut the sorted window into {@code groups} runs of consecutive requests of near-equal count
 *       (more if the batch-size limit needs smaller runs) and run the exact DP-2 over those group
 *       boundaries, within the KV budget as the exact planner does;
 *   <li>refine at full resolution ({@link CutRefiner}): move each cut by up to one group width,
 *       merge and split batches while the value drops;
 *   <li>run the exact DP again on a corridor of positions around the refined cuts (at most {@value
 *       #CORRIDOR_UNITS} positions, skipped for plans with more than a sixteenth as many cuts),
 *       which moves all cuts jointly and may drop some, and refine again, while that lowers the
 *       value.
 * </ol>
 *
 * Windows of at most {@code groups} requests get the exact DP. If no partition of the group grid
 * fits the KV budget, the refinement starts from the no-padding partition instead. Then the best
 * speculation length is picked by Fill + N·Cyc with the same tie-breaking rule as the exact
 * planner, and optionally each batch's speculation length is tuned. Deterministic, immutable and
 * thread-safe.
 */
public final class FastPlanner implements Planner {

    /** Groups for the coarse DP: G⁴/24 ≈ 2·10⁵ steps per speculation length. */
    static final int DEFAULT_GROUPS = 48;

    /** Grid size of the exact DP around a refined partition's cuts. */
    private static final int CORRIDOR_UNITS = 48;

    /** Corridor DPs after the first refinement; each must lower the search value to go on. */
    private static final int CORRIDOR_ROUNDS = 3;

    private final int groups;
    private final boolean tunePerBatch;

    /** One speculation length for all batches. */
    public FastPlanner() {
        this(false);
    }

    /**
     * @param tunePerBatch whether to try a different speculation length for each batch after the
     *     common-l plan
     */
    public FastPlanner(boolean tunePerBatch) {
        this(DEFAULT_GROUPS, tunePerBatch);
    }

    FastPlanner(int groups, boolean tunePerBatch) {
        if (groups < 1) {
            throw new IllegalArgumentException("need at least one group, got " + groups);
        }
        this.groups = groups;
        this.tunePerBatch = tunePerBatch;
    }

    @Override
    public BatchPlan plan(PlanningProblem problem) {
        return PipelinedPlanning.plan(problem, this::partition, "fast", tunePerBatch);
    }

    private int[] partition(SortedWindow window, int l, long paddingBudget) {
        int requests = window.size();
        int limit = window.problem().batchSizeLimit();
        int groupCount = (int) Math.min(requests, Math.max(groups, ceilDiv(requests, limit)));
        if (groupCount == requests) {
            return new GridSearch(window, PipelinedPlanning.everyPosition(requests), l)
                    .bestWithin(paddingBudget);
        }
        int[] positions = new int[groupCount + 1];
        for (int u = 0; u <= groupCount; u++) {
            positions[u] = (int) ((long) u * requests / groupCount);
        }
        int[] start = new GridSearch(window, positions, l).bestWithin(paddingBudget);
        if (start == null) {
            start = CutRefiner.leastPadding(window);
        }
        int groupWidth = (int) ceilDiv(requests, groupCount);
        CutRefiner refiner = new CutRefiner(window, l, paddingBudget, groupWidth);
        int[] bounds = refiner.refine(start);
        for (int round = 0; round < CORRIDOR_ROUNDS && corridorReach(bounds) > 0; round++) {
            int[] candidate =
                    new GridSearch(window, corridor(bounds, requests), l).bestWithin(paddingBudget);
            if (candidate == null
                    || Ties.compare(refiner.searchValue(candidate), refiner.searchValue(bounds))
                            >= 0) {
                break;
            }
            bounds = refiner.refine(candidate);
        }
        return bounds;
    }

    /**
     * Every position within a few steps of a cut of {@code bounds}, as wide as keeps the grid
     * within {@link #CORRIDOR_UNITS}: the exact DP on it may move all cuts at once and drop some,
     * which single-cut moves cannot.
     */
    private static int[] corridor(int[] bounds, int requests) {
        int cuts = bounds.length - 2;
        int reach = corridorReach(bounds);
        TreeSet<Integer> positions = new TreeSet<>(List.of(0, requests));
        for (int c = 1; c <= cuts; c++) {
            for (int p = bounds[c] - reach; p <= bounds[c] + reach; p++) {
                if (p > 0 && p < requests) {
                    positions.add(p);
                }
            }
        }
        return positions.stream().mapToInt(Integer::intValue).toArray();
    }

    /** How far the corridor reaches on each side of a cut; 0 if the cuts alone fill the grid. */
    private static int corridorReach(int[] bounds) {
        int cuts = bounds.length - 2;
        return cuts == 0 ? 0 : (CORRIDOR_UNITS / cuts - 1) / 2;
    }

    private static long ceilDiv(long x, long y) {
        return (x + y - 1) / y;
    }
}
