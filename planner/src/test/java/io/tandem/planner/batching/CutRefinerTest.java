package io.tandem.planner.batching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.batching.PlanningProblem.Objective;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class CutRefinerTest {

    private static final double RELATIVE = 1e-9;

    @Test
    void refinedPartitionsAreLocalOptimaOfTheObjectiveScoredFromScratch() {
        SplittableRandom random = new SplittableRandom(51);
        int moved = 0;
        for (int instance = 0; instance < 120; instance++) {
            // small enough for BruteForce, which lists every partition up front
            int k = 5 + random.nextInt(10);
            int l = 1 + random.nextInt(8);
            PlanningProblem problem =
                    Windows.problem(
                                    Windows.randomPrompts(random, k),
                                    TestCosts.Roofline.randomWithHeavyPrefill(random))
                            .optObjective(Objective.values()[instance % 2])
                            .build();
            SortedWindow window = new SortedWindow(problem);
            BruteForce brute = new BruteForce(problem);
            int[] start = randomPartition(random, k);

            CutRefiner refiner = new CutRefiner(window, l, Long.MAX_VALUE, 4);
            int[] refined = refiner.refine(start);

            // the refiner scores moves incrementally; the brute force scores whole partitions
            String seed = "instance " + instance + ": " + problem + ", l = " + l;
            double value = score(brute, problem, refined, l);
            assertThat(value).as(seed).isLessThanOrEqualTo(score(brute, problem, start, l));
            assertThat(refiner.searchValue(refined) * rounds(problem, l))
                    .as(seed)
                    .isCloseTo(value, within(RELATIVE * value));
            for (int[] neighbour : neighbours(refined)) {
                assertThat(score(brute, problem, neighbour, l))
                        .as(
                                "%s, neighbour %s of %s",
                                seed, Arrays.toString(neighbour), Arrays.toString(refined))
                        .isGreaterThanOrEqualTo(value * (1 - RELATIVE));
            }
            if (!Arrays.equals(refined, start)) {
                moved++;
            }
        }
        assertThat(moved).isGreaterThan(100);
    }

    /** What the refiner minimizes, times N(l): Fill + N·Cyc, or N·Cyc for the paper's objective. */
    private static double score(BruteForce brute, PlanningProblem problem, int[] bounds, int l) {
        return problem.objective() == Objective.TOTAL
                ? brute.pipelinedTotal(bounds, l)
                : rounds(problem, l) * brute.pipelinedCycle(bounds, l);
    }

    private static int rounds(PlanningProblem problem, int l) {
        return problem.acceptance().rounds(l, problem.outputTokens());
    }

    /** Partitions one cut move by one position, or one merge of neighbours, away. */
    private static List<int[]> neighbours(int[] bounds) {
        List<int[]> all = new ArrayList<>();
        for (int c = 1; c + 1 < bounds.length; c++) {
            for (int step = -1; step <= 1; step += 2) {
                int position = bounds[c] + step;
                if (position > bounds[c - 1] && position < bounds[c + 1]) {
                    int[] moved = bounds.clone();
                    moved[c] = position;
                    all.add(moved);
                }
            }
            int[] merged = new int[bounds.length - 1];
            System.arraycopy(bounds, 0, merged, 0, c);
            System.arraycopy(bounds, c + 1, merged, c, bounds.length - c - 1);
            all.add(merged);
        }
        return all;
    }

    private static int[] randomPartition(SplittableRandom random, int k) {
        TreeSet<Integer> cuts = new TreeSet<>(List.of(0, k));
        int count = random.nextInt(Math.min(8, k));
        for (int c = 0; c < count; c++) {
            cuts.add(1 + random.nextInt(k - 1));
        }
        return cuts.stream().mapToInt(Integer::intValue).toArray();
    }
}
