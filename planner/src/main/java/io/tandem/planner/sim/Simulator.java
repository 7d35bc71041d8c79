package io.tandem.planner.sim;

import io.tandem.planner.acceptance.AcceptanceSampler;
import io.tandem.planner.acceptance.IidAcceptance;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.ExactPlanner;
import io.tandem.planner.batching.FastPlanner;
import io.tandem.planner.batching.MaxBatching;
import io.tandem.planner.batching.MeanLatencyPlanner;
import io.tandem.planner.batching.PlannedBatch;
import io.tandem.planner.batching.Planner;
import io.tandem.planner.batching.PlanningProblem;
import io.tandem.planner.batching.SequentialPlanner;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.network.BandwidthAllocator;
import java.util.List;

/**
 * Serves one workload of a scenario with one scheme: plan, upload, run the rounds with random
 * acceptance, send the results back. Stateless apart from its settings; thread-safe.
 */
public final class Simulator {

    private final Scenario scenario;
    private final StageCosts costs;
    private final int exactUpTo;
    private final int fixedSpeculation;
    private final Goal goal;

    /**
     * @param exactUpTo windows of at most this many requests are planned by the exact DP, larger
     *     ones by the fast planner
     */
    public Simulator(Scenario scenario, int exactUpTo) {
        this(scenario, exactUpTo, 0, Goal.MEAN_LATENCY);
    }

    private Simulator(Scenario scenario, int exactUpTo, int fixedSpeculation, Goal goal) {
        this.scenario = scenario;
        this.costs = scenario.costs();
        this.exactUpTo = exactUpTo;
        this.fixedSpeculation = fixedSpeculation;
        this.goal = goal;
    }

    /** A simulator whose schemes plan and schedule for {@code goal}. */
    public Simulator withGoal(Goal goal) {
        return new Simulator(scenario, exactUpTo, fixedSpeculation, goal);
    }

    /** A simulator whose speculative schemes all run with speculation length {@code l}. */
    public Simulator withFixedSpeculation(int l) {
        return new Simulator(scenario, exactUpTo, l, goal);
    }

    public Scenario scenario() {
        return scenario;
    }

    public SchemeRun run(Scheme scheme, Workload workload) {
        return scheme == Scheme.AUTOREGRESSIVE
                ? autoregressive(workload)
                : speculative(scheme, workload);
    }

    private SchemeRun speculative(Scheme scheme, Workload workload) {
        PlanningProblem.Builder problem =
                PlanningProblem.builder()
                        .setInputTokens(workload.inputTokens())
                        .setOutputTokens(scenario.outputTokens())
                        .setAcceptance(new IidAcceptance(scenario.alpha()))
                        .setCosts(costs);
        switch (fixedSpeculation > 0 ? Scheme.JOINT : scheme) {
            case JOINT ->
                    problem.optSpeculationRange(
                            fixedSpeculation > 0 ? fixedSpeculation : 1,
                            fixedSpeculation > 0 ? fixedSpeculation : scenario.maxSpeculation());
            case FIXED_L3 -> problem.optSpeculationRange(3, 3);
            case FIXED_L5 -> problem.optSpeculationRange(5, 5);
            default -> problem.optSpeculationRange(1, scenario.maxSpeculation());
        }
        boolean mean = goal == Goal.MEAN_LATENCY;
        Planner planner =
                switch (scheme) {
                    case MAX_BATCHING -> new MaxBatching();
                    case NO_PIPELINING ->
                            mean
                                    ? new MeanLatencyPlanner(new SequentialPlanner(), false)
                                    : new SequentialPlanner();
                    default ->
                            mean
                                    ? new MeanLatencyPlanner(cyclePlanner(workload.users()), true)
                                    : cyclePlanner(workload.users());
                };
        Schedule schedule =
                scheme == Scheme.NO_PIPELINING
                        ? Schedule.SEQUENTIAL
                        : mean ? Schedule.EARLIEST_BATCH_FIRST : Schedule.ROUND_ROBIN;
        long start = System.nanoTime();
        BatchPlan plan = planner.plan(problem.build());
        double planMillis = (System.nanoTime() - start) / 1e6;
        double[] ready = readyAt(scheme, workload, batches(plan));
        double[] latency =
                SpeculativeExecution.run(
                        plan,
                        ready,
                        workload.users(),
                        costs,
                        new AcceptanceSampler(new IidAcceptance(scenario.alpha())),
                        workload.seed(),
                        schedule);
        return new SchemeRun(
                scheme,
                delivered(latency),
                plan.batchCount(),
                plan.speculationLength(),
                planMillis);
    }

    private SchemeRun autoregressive(Workload workload) {
        long start = System.nanoTime();
        List<int[]> batches =
                AutoregressiveServing.plan(
                        workload.inputTokens(),
                        scenario.outputTokens(),
                        costs,
                        goal == Goal.MEAN_LATENCY);
        double planMillis = (System.nanoTime() - start) / 1e6;
        double[] ready = readyAt(Scheme.AUTOREGRESSIVE, workload, batches.toArray(int[][]::new));
        double[] latency =
                AutoregressiveServing.run(
                        batches, ready, workload.inputTokens(), scenario.outputTokens(), costs);
        return new SchemeRun(
                Scheme.AUTOREGRESSIVE, delivered(latency), batches.size(), 0, planMillis);
    }

    /** Latencies from the last verification to the user's receipt of the output. */
    private double[] delivered(double[] verified) {
        double[] latency = verified.clone();
        for (int k = 0; k < latency.length; k++) {
            latency[k] += scenario.downlinkSeconds();
        }
        return latency;
    }

    private Planner cyclePlanner(int users) {
        return users <= exactUpTo ? new ExactPlanner(true) : new FastPlanner(true);
    }

    /**
     * When each batch's prompts have all arrived. Optimised bandwidth serves the batches one after
     * another in execution order, so the first can start while the rest upload; uniform bandwidth
     * uploads everyone at once at 1/K of the band.
     */
    private double[] readyAt(Scheme scheme, Workload workload, int[][] batches) {
        double[] demand = workload.demandSeconds();
        if (scheme != Scheme.UNIFORM_BANDWIDTH) {
            return BandwidthAllocator.batchSequential(demand, batches).batchFinishSeconds();
        }
        double[] finish = BandwidthAllocator.uniform(demand).uploadSeconds();
        double[] ready = new double[batches.length];
        for (int m = 0; m < batches.length; m++) {
            for (int k : batches[m]) {
                ready[m] = Math.max(ready[m], finish[k]);
            }
        }
        return ready;
    }

    private static int[][] batches(BatchPlan plan) {
        return plan.batches().stream().map(PlannedBatch::requestIndices).toArray(int[][]::new);
    }
}
