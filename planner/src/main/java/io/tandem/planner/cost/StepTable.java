package io.tandem.planner.cost;

import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.IntToDoubleFunction;

/**
 * Step times read off a grid of measured pass shapes, interpolated piecewise-linearly between them:
 * for a GPU, whose pass time is flat in the batch while weights dominate and then turns linear, a
 * fitted formula misses the knee that decides when speculation stops paying, while the measured
 * shapes hold it. Emulated model stages wait exactly these times, and the planner prices with the
 * same table, so a plan and the stage it plans for agree by construction.
 *
 * <p>Passes are looked up by context, then by new positions, then by batch: at each measured
 * context, the time at the asked batch is interpolated for each measured number of new positions,
 * then across new positions, then across contexts. The grid may have holes (shapes too large to
 * measure): each curve uses the points it has. Outside the measured range a curve keeps its first
 * value below the range (a pass never gets cheaper than the smallest one measured) and extends its
 * last segment above it, never downward. Passes of more new positions than measured are priced as
 * the prefill of as many tokens if the table has prefills, which is what such a pass is.
 *
 * <p>Prefills (a prompt from an empty cache) have a table of their own, by batch and prompt length,
 * anchored below the shortest measured prompt at a one-token pass of the same batch.
 *
 * <p>Immutable and thread-safe.
 */
public final class StepTable implements StepTime {

    private final String model;
    // the grid as arrays: the planner reads it O(K² · l) times a window, so no lookup allocates
    private final double[] contexts;
    private final double[][] newTokens; // per context, the measured new positions
    private final Curve[][] byBatch; // per context and new positions, time against batch
    private final double[] prefillBatches;
    private final Curve[] byPrompt; // per prefill batch, time against prompt
    private final int maxNewTokens;

    private StepTable(
            String model,
            NavigableMap<Double, NavigableMap<Integer, Curve>> passes,
            NavigableMap<Integer, Curve> prefills) {
        this.model = model;
        this.contexts = passes.keySet().stream().mapToDouble(Double::doubleValue).toArray();
        this.newTokens = new double[contexts.length][];
        this.byBatch = new Curve[contexts.length][];
        int k = 0;
        for (NavigableMap<Integer, Curve> byNew : passes.values()) {
            newTokens[k] = byNew.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
            byBatch[k++] = byNew.values().toArray(Curve[]::new);
        }
        this.prefillBatches =
                prefills.keySet().stream().mapToDouble(Integer::doubleValue).toArray();
        this.byPrompt = prefills.values().toArray(Curve[]::new);
        this.maxNewTokens =
                passes.values().stream().mapToInt(NavigableMap::lastKey).max().orElseThrow();
    }

    /**
     * A table of {@code model}'s measured shapes.
     *
     * @param passes passes over a cached context, at least one
     * @param prefills prefills ({@link StepSample#newTokens()} is the prompt length, the context is
     *     ignored); may be empty
     * @throws IllegalArgumentException if there are no passes or a shape is measured twice
     */
    public static StepTable of(String model, List<StepSample> passes, List<StepSample> prefills) {
        Objects.requireNonNull(model, "model");
        if (passes.isEmpty()) {
            throw new IllegalArgumentException("step table of " + model + " has no passes");
        }
        Map<Double, Map<Integer, Map<Integer, Double>>> grid = new TreeMap<>();
        for (StepSample s : passes) {
            Map<Integer, Double> byBatch =
                    grid.computeIfAbsent(s.context(), c -> new TreeMap<>())
                            .computeIfAbsent(s.newTokens(), q -> new TreeMap<>());
            if (byBatch.put(s.batch(), s.millis()) != null) {
                throw duplicate(model, s);
            }
        }
        NavigableMap<Double, NavigableMap<Integer, Curve>> passCurves = new TreeMap<>();
        grid.forEach(
                (context, byNew) -> {
                    NavigableMap<Integer, Curve> curves = new TreeMap<>();
                    byNew.forEach((q, byBatch) -> curves.put(q, Curve.of(byBatch)));
                    passCurves.put(context, curves);
                });
        Map<Integer, Map<Integer, Double>> prefillGrid = new TreeMap<>();
        for (StepSample s : prefills) {
            if (prefillGrid
                            .computeIfAbsent(s.batch(), b -> new TreeMap<>())
                            .put(s.newTokens(), s.millis())
                    != null) {
                throw duplicate(model, s);
            }
        }
        StepTable withoutPrefills = new StepTable(model, passCurves, new TreeMap<>());
        NavigableMap<Integer, Curve> prefillCurves = new TreeMap<>();
        prefillGrid.forEach(
                (batch, byPrompt) -> {
                    Map<Integer, Double> anchored = new TreeMap<>(byPrompt);
                    anchored.putIfAbsent(1, withoutPrefills.millis(batch, 1, 0));
                    prefillCurves.put(batch, Curve.of(anchored));
                });
        return new StepTable(model, passCurves, prefillCurves);
    }

    private static IllegalArgumentException duplicate(String model, StepSample s) {
        return new IllegalArgumentException(
                "step table of " + model + " has the shape of " + s + " twice");
    }

    /** The measured model's name. */
    public String model() {
        return model;
    }

    @Override
    public double millis(int batch, int newTokens, double context) {
        requireShape(batch, newTokens);
        if (newTokens > maxNewTokens && byPrompt.length > 0) {
            return Math.max(pass(batch, maxNewTokens, context), prefillMillis(batch, newTokens));
        }
        return pass(batch, newTokens, context);
    }

    @Override
    public double prefillMillis(int batch, int prompt) {
        requireShape(batch, prompt);
        if (byPrompt.length == 0) {
            return pass(batch, prompt, prompt / 2.0);
        }
        return Curve.at(prefillBatches, i -> byPrompt[i].at(prompt), batch);
    }

    @Override
    public double maxRelativeError() {
        return 0;
    }

    private double pass(int batch, int newTokens, double context) {
        return Curve.at(
                contexts,
                c -> Curve.at(this.newTokens[c], q -> byBatch[c][q].at(batch), newTokens),
                Math.max(context, contexts[0]));
    }

    private static void requireShape(int batch, int tokens) {
        if (batch < 1 || tokens < 1) {
            throw new IllegalArgumentException(
                    "a pass needs batch and tokens >= 1, got " + batch + ", " + tokens);
        }
    }

    /**
     * A piecewise-linear function through measured points: flat below them, its last segment (never
     * falling) above them.
     */
    private record Curve(double[] x, double[] y) {

        /** Through {@code points}, a map sorted by x. */
        static Curve of(Map<Integer, Double> points) {
            return new Curve(
                    points.keySet().stream().mapToDouble(Integer::doubleValue).toArray(),
                    points.values().stream().mapToDouble(Double::doubleValue).toArray());
        }

        double at(double at) {
            return at(x, i -> y[i], at);
        }

        /**
         * The function through the points {@code (x[i], y(i))}, x ascending, at {@code at}; reads
         * {@code y} at the two points it needs only.
         */
        static double at(double[] x, IntToDoubleFunction y, double at) {
            int n = x.length;
            if (n == 1 || at <= x[0]) {
                return y.applyAsDouble(0);
            }
            int hi = 1;
            while (hi < n - 1 && x[hi] < at) {
                hi++;
            }
            int lo = hi - 1;
            double yLo = y.applyAsDouble(lo);
            double slope = (y.applyAsDouble(hi) - yLo) / (x[hi] - x[lo]);
            if (at > x[n - 1]) {
                slope = Math.max(slope, 0);
            }
            return yLo + slope * (at - x[lo]);
        }
    }
}
