package io.tandem.planner.sim;

import io.tandem.planner.stats.Percentiles;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * All schemes on the same workloads (one per seed): mean and p99 latency over every request of
 * every seed, and how much lower the joint optimizer's mean is.
 */
public final class Comparison {

    private final Map<Scheme, double[]> latencies = new EnumMap<>(Scheme.class);
    private final Map<Scheme, double[]> planMillis = new EnumMap<>(Scheme.class);
    private final Map<Scheme, double[]> makespans = new EnumMap<>(Scheme.class);
    private final Map<Scheme, SchemeRun> firstRun = new EnumMap<>(Scheme.class);

    private Comparison() {}

    /** Runs {@code schemes} on the workloads of seeds {@code 1..seeds}. */
    public static Comparison run(Simulator simulator, List<Scheme> schemes, int seeds) {
        Comparison comparison = new Comparison();
        for (Scheme scheme : schemes) {
            double[] all = new double[0];
            double[] millis = new double[seeds];
            double[] makespan = new double[seeds];
            for (int s = 0; s < seeds; s++) {
                Workload workload = Workload.draw(simulator.scenario(), s + 1);
                SchemeRun run = simulator.run(scheme, workload);
                double[] latency = run.latencySeconds();
                int offset = all.length;
                all = Arrays.copyOf(all, offset + latency.length);
                System.arraycopy(latency, 0, all, offset, latency.length);
                millis[s] = run.planMillis();
                makespan[s] = run.makespanSeconds();
                comparison.firstRun.putIfAbsent(scheme, run);
            }
            comparison.latencies.put(scheme, all);
            comparison.planMillis.put(scheme, millis);
            comparison.makespans.put(scheme, makespan);
        }
        return comparison;
    }

    public List<Scheme> schemes() {
        return List.copyOf(latencies.keySet());
    }

    public double mean(Scheme scheme) {
        return Arrays.stream(latencies.get(scheme)).average().orElseThrow();
    }

    /** The 99th percentile (nearest rank) over all requests of all seeds. */
    public double p99(Scheme scheme) {
        return Percentiles.of(latencies.get(scheme), 0.99);
    }

    /** When the window's last request is served, averaged over seeds: the paper's objective. */
    public double makespan(Scheme scheme) {
        return Arrays.stream(makespans.get(scheme)).average().orElseThrow();
    }

    /** The mean planning time of the scheme, over seeds. */
    public double planMillis(Scheme scheme) {
        return Arrays.stream(planMillis.get(scheme)).average().orElseThrow();
    }

    /** The run of the scheme on the first seed's workload: its plan's shape. */
    public SchemeRun firstRun(Scheme scheme) {
        return firstRun.get(scheme);
    }

    /** {@code (mean(other) − mean(JOINT)) / mean(other)}, in percent. */
    public double reductionPercent(Scheme other) {
        double joint = mean(Scheme.JOINT);
        return 100 * (mean(other) - joint) / mean(other);
    }
}
