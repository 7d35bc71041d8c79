package io.tandem.cli.replay;

import io.tandem.cli.plot.Charts;
import io.tandem.cli.replay.ReplayOutcome.Status;
import io.tandem.planner.stats.Percentiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.DoubleStream;
import java.util.stream.IntStream;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The replay report's charts, one PNG each, drawn from the outcomes of a replay: latency
 * percentiles, the distribution of time per output token, throughput, where the time went, draft
 * acceptance, and requests lost. Requests without a result carry NaN in most fields; every chart
 * skips what it cannot place. XChart throws on a series without points and on a category chart
 * without series, so empty series are never added, and a chart left with nothing to draw gets a
 * single "no data" point, which also tells the reader the chart is empty on purpose.
 */
final class ReplayPlots {

    /** Round numbers of seconds, so a reader can count along the time axis. */
    private static final double[] BIN_WIDTHS_S = {0.5, 1, 2, 5, 10, 30, 60};

    private static final int TIME_BINS = 60;

    /** Fewer for bars than for points: each bar needs room for its label. */
    private static final int BAR_BINS = 30;

    static final String NO_DATA = "no data";
    private static final List<String> PERCENTILES = List.of("p50", "p90", "p99", "max");
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 1.0};

    /**
     * Where the CDFs are drawn: a bounded number of points whatever the run's size, finer towards
     * the tail where p99 lives. The uneven steps also keep XChart from labelling every point, as it
     * does when a chart's values are evenly spaced.
     */
    private static final double[] CDF_QUANTILES =
            DoubleStream.concat(
                            IntStream.range(0, 90).mapToDouble(i -> i / 100.0),
                            DoubleStream.concat(
                                    IntStream.range(900, 990).mapToDouble(i -> i / 1_000.0),
                                    IntStream.rangeClosed(9_900, 10_000)
                                            .mapToDouble(i -> i / 10_000.0)))
                    .toArray();

    private ReplayPlots() {}

    /**
     * Writes the six charts into {@code dir}, creating it if needed.
     *
     * @param title what was replayed, e.g. the trace and mode; every chart's title starts with it
     * @return the files written, in a fixed order
     */
    static List<Path> write(Path dir, String title, List<ReplayOutcome> outcomes)
            throws IOException {
        Map<String, Chart<?, ?>> charts = new LinkedHashMap<>();
        charts.put("latency-percentiles.png", latencyPercentiles(title, outcomes));
        charts.put("time-per-output-token.png", timePerOutputToken(title, outcomes));
        charts.put("throughput-over-time.png", throughputOverTime(title, outcomes));
        charts.put("queueing-vs-compute.png", queueingVsCompute(title, outcomes));
        charts.put("acceptance-and-length.png", acceptanceAndLength(title, outcomes));
        charts.put("lost.png", lostOverTime(title, outcomes));
        Files.createDirectories(dir);
        List<Path> files = new ArrayList<>();
        for (Map.Entry<String, Chart<?, ?>> entry : charts.entrySet()) {
            Path file = dir.resolve(entry.getKey());
            Charts.writePng(entry.getValue(), file);
            files.add(file);
        }
        return files;
    }

    /** p50, p90, p99 and max of end-to-end latency over the requests with a result. */
    static CategoryChart latencyPercentiles(String title, List<ReplayOutcome> outcomes) {
        double[] sorted =
                outcomes.stream()
                        .filter(ReplayOutcome::served)
                        .mapToDouble(ReplayOutcome::latencyMs)
                        .filter(Double::isFinite)
                        .sorted()
                        .toArray();
        CategoryChart chart =
                Charts.category(
                        title + " · end-to-end latency (" + sorted.length + " answered)",
                        "percentile",
                        "ms");
        chart.getStyler().setLabelsVisible(true).setYAxisDecimalPattern("#,##0");
        if (sorted.length > 0) {
            List<Double> values =
                    Arrays.stream(QUANTILES)
                            .mapToObj(q -> Percentiles.nearestRank(sorted, q))
                            .toList();
            chart.addSeries("end-to-end latency (ms)", PERCENTILES, values);
        } else {
            chart.addSeries(NO_DATA, PERCENTILES, Collections.nCopies(PERCENTILES.size(), 0));
        }
        return chart;
    }

    /** Distributions (CDFs) of end-to-end and generation time per output token. */
    static XYChart timePerOutputToken(String title, List<ReplayOutcome> outcomes) {
        XYChart chart =
                Charts.xy(
                        title + " · time per output token",
                        "ms per output token",
                        "fraction of requests");
        chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        addCdf(chart, "end to end / token", outcomes, ReplayOutcome::msPerOutputToken);
        addCdf(chart, "generation / token", outcomes, ReplayOutcome::generationMsPerToken);
        return withPlaceholder(chart);
    }

    /** Results and output tokens per second, binned by when the result was read. */
    static XYChart throughputOverTime(String title, List<ReplayOutcome> outcomes) {
        double end = runEndSeconds(outcomes);
        double width = binWidthSeconds(end, TIME_BINS);
        int bins = binCount(end, width);
        XYChart chart =
                Charts.xy(
                        title + " · throughput (" + seconds(width) + " bins)",
                        "answered at (s, bin start)",
                        "requests/s");
        if (!outcomes.isEmpty()) {
            double[] requests = new double[bins];
            double[] tokens = new double[bins];
            for (ReplayOutcome outcome : outcomes) {
                if (outcome.served() && Double.isFinite(outcome.answeredMs())) {
                    int bin = bin(outcome.answeredMs(), width, bins);
                    requests[bin] += 1 / width;
                    tokens[bin] += outcome.answer().generatedTokens() / width;
                }
            }
            double[] starts = binStarts(width, bins);
            chart.addSeries("requests/s", starts, requests);
            chart.addSeries("output tokens/s", starts, tokens).setYAxisGroup(1);
            chart.setYAxisGroupTitle(0, "requests/s");
            chart.setYAxisGroupTitle(1, "output tokens/s");
            chart.getStyler().setYAxisMin(0, 0.0).setYAxisMin(1, 0.0);
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        return withPlaceholder(chart);
    }

    /**
     * Where the time of the requests sent in each bin went: the mean of each part of the latency
     * over those with a result, stacked, so queueing growing under load shows against compute.
     */
    static CategoryChart queueingVsCompute(String title, List<ReplayOutcome> outcomes) {
        double end =
                outcomes.stream()
                                .mapToDouble(o -> o.sent().dueMs())
                                .filter(Double::isFinite)
                                .max()
                                .orElse(0)
                        / 1000;
        double width = binWidthSeconds(end, BAR_BINS);
        int bins = binCount(end, width);
        ReplayOutcome.Part[] parts = ReplayOutcome.Part.values();
        double[][] sums = new double[parts.length][bins];
        int[][] counts = new int[parts.length][bins];
        boolean any = false;
        for (ReplayOutcome outcome : outcomes) {
            if (!outcome.served() || !Double.isFinite(outcome.sent().dueMs())) {
                continue;
            }
            any = true;
            int bin = bin(outcome.sent().dueMs(), width, bins);
            for (int p = 0; p < parts.length; p++) {
                double ms = parts[p].of(outcome);
                if (Double.isFinite(ms)) {
                    sums[p][bin] += ms;
                    counts[p][bin]++;
                }
            }
        }
        List<String> categories = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            categories.add(seconds(b * width));
        }
        CategoryChart chart =
                Charts.category(
                        title
                                + " · where the time goes, by send time ("
                                + seconds(width)
                                + " bins)",
                        "sent at",
                        "mean ms per answered request");
        chart.getStyler().setStacked(true).setXAxisLabelRotation(bins > 15 ? 45 : 0);
        if (any) {
            for (int p = 0; p < parts.length; p++) {
                List<Double> means = new ArrayList<>();
                for (int b = 0; b < bins; b++) {
                    means.add(counts[p][b] == 0 ? 0 : sums[p][b] / counts[p][b]);
                }
                chart.addSeries(parts[p].label(), categories, means);
            }
        } else {
            chart.addSeries(NO_DATA, categories, Collections.nCopies(bins, 0));
        }
        return chart;
    }

    /**
     * Draft acceptance (accepted over drafted) and the mean speculation length, binned by when the
     * result was read; bins where nothing was drafted have no point.
     */
    static XYChart acceptanceAndLength(String title, List<ReplayOutcome> outcomes) {
        double end = runEndSeconds(outcomes);
        double width = binWidthSeconds(end, TIME_BINS);
        int bins = binCount(end, width);
        long[] drafted = new long[bins];
        long[] accepted = new long[bins];
        double[] lengthSums = new double[bins];
        int[] lengthCounts = new int[bins];
        boolean answered = false;
        for (ReplayOutcome outcome : outcomes) {
            if (!outcome.served() || !Double.isFinite(outcome.answeredMs())) {
                continue;
            }
            answered = true;
            if (outcome.answer().drafted() > 0) {
                int bin = bin(outcome.answeredMs(), width, bins);
                drafted[bin] += outcome.answer().drafted();
                accepted[bin] += outcome.answer().accepted();
                if (Double.isFinite(outcome.answer().meanSpeculationLength())) {
                    lengthSums[bin] += outcome.answer().meanSpeculationLength();
                    lengthCounts[bin]++;
                }
            }
        }
        double[] starts = binStarts(width, bins);
        List<Double> rateX = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        List<Double> lengthX = new ArrayList<>();
        List<Double> lengths = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            if (drafted[b] > 0) {
                rateX.add(starts[b]);
                rates.add((double) accepted[b] / drafted[b]);
            }
            if (lengthCounts[b] > 0) {
                lengthX.add(starts[b]);
                lengths.add(lengthSums[b] / lengthCounts[b]);
            }
        }
        String note;
        if (!answered) {
            note = " · no answers";
        } else if (rates.isEmpty()) {
            note = " · no speculation (mode ad)";
        } else {
            note = " (" + seconds(width) + " bins)";
        }
        XYChart chart =
                Charts.xy(
                        title + " · acceptance and speculation length" + note,
                        "answered at (s, bin start)",
                        "acceptance rate");
        chart.getStyler().setYAxisMin(0, 0.0).setYAxisMax(0, 1.0);
        if (!rates.isEmpty()) {
            chart.addSeries("acceptance rate", rateX, rates);
        }
        if (!lengths.isEmpty()) {
            chart.addSeries("mean speculation length", lengthX, lengths).setYAxisGroup(1);
            chart.setYAxisGroupTitle(0, "acceptance rate");
            chart.setYAxisGroupTitle(1, "mean speculation length");
            chart.getStyler().setYAxisMin(1, 0.0);
            chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        }
        return withPlaceholder(chart);
    }

    /**
     * Requests sent and answered (a result or a dead letter) so far, over time. Those lost have no
     * time of their own, so they are counted at the run's end, against the gap left between sent
     * and answered.
     */
    static XYChart lostOverTime(String title, List<ReplayOutcome> outcomes) {
        long lost = outcomes.stream().filter(o -> o.status() == Status.LOST).count();
        long inFlight = outcomes.stream().filter(o -> o.status() == Status.IN_FLIGHT).count();
        String counts = "lost: " + lost + (inFlight > 0 ? ", in flight: " + inFlight : "");
        XYChart chart =
                Charts.xy(
                        title + " · requests sent and answered (" + counts + ")",
                        "time (s)",
                        "requests so far");
        if (!outcomes.isEmpty()) {
            double end = runEndSeconds(outcomes);
            addCumulative(chart, "sent", outcomes.stream().mapToDouble(o -> o.sent().dueMs()), end);
            addCumulative(
                    chart,
                    "answered",
                    outcomes.stream()
                            .filter(
                                    o ->
                                            o.status() != Status.LOST
                                                    && o.status() != Status.IN_FLIGHT)
                            .mapToDouble(ReplayOutcome::answeredMs),
                    end);
            step(chart.addSeries("lost", new double[] {0, end}, new double[] {0, lost}));
        }
        return withPlaceholder(chart);
    }

    /**
     * The narrowest round bin width that splits {@code spanSeconds} into at most {@code maxBins}
     * bins; for runs too long for a minute, whole minutes.
     */
    static double binWidthSeconds(double spanSeconds, int maxBins) {
        double span = Double.isFinite(spanSeconds) ? Math.max(0, spanSeconds) : 0;
        for (double width : BIN_WIDTHS_S) {
            if (binCount(span, width) <= maxBins) {
                return width;
            }
        }
        return 60 * Math.ceil(span / maxBins / 60);
    }

    private static int binCount(double spanSeconds, double width) {
        return Math.max(1, (int) Math.ceil(spanSeconds / width));
    }

    /**
     * The bin of a time in ms; the run's last instant closes the last bin rather than opening one.
     */
    private static int bin(double ms, double width, int bins) {
        return Math.max(0, Math.min(bins - 1, (int) Math.floor(ms / 1000 / width)));
    }

    /**
     * Where a bin's point goes: its start. Evenly spaced x values make XChart label the points
     * themselves, and bin centres (0.25, 0.75...) give labels long enough to run into each other.
     */
    private static double[] binStarts(double width, int bins) {
        double[] starts = new double[bins];
        for (int b = 0; b < bins; b++) {
            starts[b] = b * width;
        }
        return starts;
    }

    /** The last send or answer, in seconds from the replay's start. */
    private static double runEndSeconds(List<ReplayOutcome> outcomes) {
        double end = 0;
        for (ReplayOutcome outcome : outcomes) {
            if (Double.isFinite(outcome.sent().dueMs())) {
                end = Math.max(end, outcome.sent().dueMs());
            }
            if (Double.isFinite(outcome.answeredMs())) {
                end = Math.max(end, outcome.answeredMs());
            }
        }
        return end / 1000;
    }

    private static String seconds(double value) {
        return value == Math.rint(value)
                ? (long) value + "s"
                : String.format(Locale.ROOT, "%.1fs", value);
    }

    private static void addCdf(
            XYChart chart,
            String name,
            List<ReplayOutcome> outcomes,
            ToDoubleFunction<ReplayOutcome> value) {
        double[] sorted =
                outcomes.stream().mapToDouble(value).filter(Double::isFinite).sorted().toArray();
        if (sorted.length == 0) {
            return;
        }
        double[] x = new double[CDF_QUANTILES.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = Percentiles.nearestRank(sorted, CDF_QUANTILES[i]);
        }
        step(chart.addSeries(name, x, CDF_QUANTILES.clone()));
    }

    /** Carried on flat to the run's end, so the curves end together and a gap between shows. */
    private static void addCumulative(
            XYChart chart, String name, DoubleStream ms, double endSeconds) {
        double[] sorted = ms.filter(Double::isFinite).map(t -> t / 1000).sorted().toArray();
        double[] x = new double[sorted.length + 2];
        double[] y = new double[sorted.length + 2];
        for (int i = 0; i < sorted.length; i++) {
            x[i + 1] = sorted[i];
            y[i + 1] = i + 1;
        }
        x[sorted.length + 1] = endSeconds;
        y[sorted.length + 1] = sorted.length;
        step(chart.addSeries(name, x, y));
    }

    private static void step(XYSeries series) {
        series.setXYSeriesRenderStyle(XYSeriesRenderStyle.Step).setMarker(SeriesMarkers.NONE);
    }

    private static XYChart withPlaceholder(XYChart chart) {
        if (chart.getSeriesMap().isEmpty()) {
            chart.addSeries(NO_DATA, new double[] {0}, new double[] {0});
        }
        return chart;
    }
}
