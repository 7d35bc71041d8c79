package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.cli.plot.Charts;
import io.tandem.cli.replay.ReplayOutcome.Status;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

class ReplayPlotsTest {

    private static final double NAN = Double.NaN;

    @Test
    void writesTheSixChartsAsPngsInOrder(@TempDir Path dir) throws IOException {
        List<ReplayOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            outcomes.add(answered(i * 250, 400 + 10 * i, 32, 40, 30, 4));
        }
        outcomes.add(lost(2_000));
        outcomes.add(rejected(3_000, 3_050));

        List<Path> files = ReplayPlots.write(dir.resolve("plots"), "test · sd", outcomes);

        assertThat(files)
                .extracting(file -> file.getFileName().toString())
                .containsExactly(
                        "latency-percentiles.png",
                        "time-per-output-token.png",
                        "throughput-over-time.png",
                        "queueing-vs-compute.png",
                        "acceptance-and-length.png",
                        "lost.png");
        assertPngs(files);
    }

    static Stream<Arguments> awkwardRuns() {
        return Stream.of(
                Arguments.of("nothing sent", List.of()),
                Arguments.of("one request", List.of(answered(0, 120, 8, 10, 7, 3))),
                Arguments.of("all lost", List.of(lost(0), lost(500), lost(900))),
                Arguments.of(
                        "mode ad",
                        List.of(answered(0, 300, 16, 0, 0, 0), answered(800, 350, 16, 0, 0, 0))),
                Arguments.of(
                        "no tokens and no timings",
                        List.of(
                                outcome(Status.ANSWERED, 100, 200, 0, 0, 0, NAN, NAN),
                                outcome(Status.FAILED, 200, NAN, NAN, 0, 0, NAN, NAN),
                                outcome(Status.IN_FLIGHT, 300, NAN, NAN, 0, 0, NAN, NAN))),
                Arguments.of("all at one instant", List.of(answered(0, 0, 4, 4, 4, 4))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("awkwardRuns")
    void writesEveryChartForAwkwardRuns(
            String name, List<ReplayOutcome> outcomes, @TempDir Path dir) throws IOException {
        assertPngs(ReplayPlots.write(dir, name, outcomes));
    }

    @Test
    void binWidthIsTheNarrowestRoundOneThatFits() {
        assertThat(ReplayPlots.binWidthSeconds(20, 60)).isEqualTo(0.5);
        assertThat(ReplayPlots.binWidthSeconds(30, 60)).isEqualTo(0.5);
        assertThat(ReplayPlots.binWidthSeconds(30.2, 60)).isEqualTo(1);
        assertThat(ReplayPlots.binWidthSeconds(20, 30)).isEqualTo(1);
        assertThat(ReplayPlots.binWidthSeconds(100, 60)).isEqualTo(2);
        assertThat(ReplayPlots.binWidthSeconds(250, 60)).isEqualTo(5);
        assertThat(ReplayPlots.binWidthSeconds(1_000, 60)).isEqualTo(30);
        assertThat(ReplayPlots.binWidthSeconds(3_600, 60)).isEqualTo(60);
        assertThat(ReplayPlots.binWidthSeconds(7_200, 60)).isEqualTo(120);
        assertThat(ReplayPlots.binWidthSeconds(0, 60)).isEqualTo(0.5);
        assertThat(ReplayPlots.binWidthSeconds(NAN, 60)).isEqualTo(0.5);
    }

    @Test
    void latencyPercentilesCountOnlyServedRequests() {
        List<ReplayOutcome> outcomes = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            outcomes.add(answered(0, 100 * i, 8, 0, 0, 0));
        }
        outcomes.add(lost(0));
        outcomes.add(rejected(0, 50));
        // a fast error is not a fast answer: the summary leaves it out too
        outcomes.add(outcome(Status.FAILED, 0, 5, 5, 0, 0, 1, 1));

        CategoryChart chart = ReplayPlots.latencyPercentiles("t", outcomes);

        assertThat(chart.getTitle()).startsWith("t · ").contains("10 answered");
        assertThat(items(chart.getSeriesMap().get("end-to-end latency (ms)").getYData()))
                .containsExactly(500.0, 900.0, 1000.0, 1000.0);
    }

    @Test
    void timePerOutputTokenIsTheDistributionOverRequestsWithTokens() {
        List<ReplayOutcome> outcomes = new ArrayList<>();
        // 1 to 100 ms per token, end to end
        for (int i = 1; i <= 100; i++) {
            outcomes.add(answered(0, 10 * i, 10, 0, 0, 0));
        }
        outcomes.add(lost(0));
        outcomes.add(answered(0, 50, 0, 0, 0, 0));

        XYChart chart = ReplayPlots.timePerOutputToken("t", outcomes);

        assertThat(chart.getSeriesMap().keySet())
                .containsExactly("end to end / token", "generation / token");
        double[] ms = chart.getSeriesMap().get("end to end / token").getXData();
        double[] fraction = chart.getSeriesMap().get("end to end / token").getYData();
        assertThat(fraction[0]).isZero();
        assertThat(ms[0]).isEqualTo(1);
        assertThat(fraction[fraction.length - 1]).isEqualTo(1);
        assertThat(ms[ms.length - 1]).isEqualTo(100);
        for (int i = 0; i < ms.length; i++) {
            if (fraction[i] == 0.5 || fraction[i] == 0.9) {
                assertThat(ms[i]).isEqualTo(Math.round(fraction[i] * 100));
            }
        }
        assertThat(fraction).contains(0.5, 0.9, 0.99).isSorted();
        assertThat(ms).isSorted();
    }

    @Test
    void throughputCountsResultsAndTokensPerSecondOfAnswerTime() {
        // 20 s run: 0.5 s bins; two answers at 1.2 s and 1.4 s, one at 19.9 s
        List<ReplayOutcome> outcomes =
                List.of(
                        answered(1_000, 200, 10, 0, 0, 0),
                        answered(1_000, 400, 30, 0, 0, 0),
                        answered(19_000, 900, 5, 0, 0, 0),
                        rejected(19_000, 19_100));

        XYChart chart = ReplayPlots.throughputOverTime("t", outcomes);

        double[] requests = chart.getSeriesMap().get("requests/s").getYData();
        double[] tokens = chart.getSeriesMap().get("output tokens/s").getYData();
        assertThat(requests).hasSize(40);
        assertThat(requests[2]).isCloseTo(4, within(1e-9));
        assertThat(tokens[2]).isCloseTo(80, within(1e-9));
        assertThat(requests[39]).isCloseTo(2, within(1e-9));
        assertThat(Arrays.stream(requests).sum() * 0.5).isCloseTo(3, within(1e-9));
    }

    @Test
    void queueingVsComputeStacksMeanPartsPerSendBin() {
        List<ReplayOutcome> outcomes =
                List.of(
                        outcome(Status.ANSWERED, 100, 500, 400, 10, 5, 4, 20),
                        outcome(Status.ANSWERED, 200, 700, 500, 10, 5, 8, 30),
                        lost(300));

        CategoryChart chart = ReplayPlots.queueingVsCompute("t", outcomes);

        assertThat(chart.getStyler().isStacked()).isTrue();
        assertThat(chart.getSeriesMap().keySet())
                .containsExactly(
                        "kafka in",
                        "batching",
                        "admission",
                        "waiting",
                        "loop overhead",
                        "draft",
                        "verify",
                        "delivery");
        assertThat(items(chart.getSeriesMap().get("kafka in").getXData())).containsExactly("0s");
        assertThat(items(chart.getSeriesMap().get("kafka in").getYData())).containsExactly(6.0);
    }

    @Test
    void acceptanceIsAcceptedOverDraftedAndModeAdIsNoted() {
        XYChart speculating =
                ReplayPlots.acceptanceAndLength(
                        "t",
                        List.of(answered(0, 100, 8, 10, 9, 3), answered(0, 200, 8, 30, 11, 5)));
        assertThat(speculating.getSeriesMap().get("acceptance rate").getYData())
                .containsExactly(0.5);
        assertThat(speculating.getSeriesMap().get("mean speculation length").getYData())
                .containsExactly(4.0);

        XYChart modeAd =
                ReplayPlots.acceptanceAndLength("t", List.of(answered(0, 100, 8, 0, 0, 0)));
        assertThat(modeAd.getTitle()).contains("no speculation (mode ad)");
        assertThat(modeAd.getSeriesMap().keySet()).containsExactly(ReplayPlots.NO_DATA);
    }

    @Test
    void lostAreCountedAtTheEndOfTheRun() {
        List<ReplayOutcome> outcomes =
                List.of(
                        answered(0, 1_000, 8, 0, 0, 0),
                        rejected(500, 600),
                        lost(1_000),
                        lost(4_000),
                        outcome(Status.IN_FLIGHT, 2_000, NAN, NAN, 0, 0, NAN, NAN));

        XYChart chart = ReplayPlots.lostOverTime("t", outcomes);

        assertThat(chart.getTitle()).contains("lost: 2").contains("in flight: 1");
        assertThat(chart.getSeriesMap().get("lost").getXData()).containsExactly(0, 4);
        assertThat(chart.getSeriesMap().get("lost").getYData()).containsExactly(0, 2);
        double[] sent = chart.getSeriesMap().get("sent").getYData();
        double[] answered = chart.getSeriesMap().get("answered").getYData();
        assertThat(sent[sent.length - 1]).isEqualTo(5);
        assertThat(answered[answered.length - 1]).isEqualTo(2);
    }

    private static void assertPngs(List<Path> files) throws IOException {
        assertThat(files).hasSize(6);
        for (Path file : files) {
            BufferedImage image = ImageIO.read(file.toFile());
            assertThat(image).as(file.toString()).isNotNull();
            assertThat(image.getWidth()).as(file.toString()).isEqualTo(Charts.WIDTH);
            assertThat(image.getHeight()).as(file.toString()).isEqualTo(Charts.HEIGHT);
        }
    }

    /** XChart hands category data back as wildcard collections AssertJ cannot compare to. */
    private static List<Object> items(Collection<?> data) {
        return List.copyOf(data);
    }

    private static ReplayOutcome answered(
            double dueMs,
            double latencyMs,
            int tokens,
            int drafted,
            int accepted,
            double speculationLength) {
        return new ReplayOutcome(
                0,
                "r",
                Status.ANSWERED,
                new ReplayOutcome.Sent(dueMs, dueMs, 0, 64, tokens, false),
                dueMs + latencyMs,
                latencyMs,
                new ReplayOutcome.Answer(
                        tokens,
                        tokens,
                        drafted,
                        accepted,
                        speculationLength,
                        5,
                        20,
                        2,
                        latencyMs * 0.1,
                        latencyMs * 0.05,
                        latencyMs * 0.3,
                        latencyMs * 0.4,
                        3,
                        4,
                        0),
                "");
    }

    /** A request with the given timings; queueing and verify time vary, the other parts fixed. */
    private static ReplayOutcome outcome(
            Status status,
            double dueMs,
            double answeredMs,
            double latencyMs,
            int tokens,
            int drafted,
            double queueingMs,
            double verifyMs) {
        return new ReplayOutcome(
                0,
                "r",
                status,
                new ReplayOutcome.Sent(dueMs, dueMs, 0, 64, 16, false),
                answeredMs,
                latencyMs,
                new ReplayOutcome.Answer(
                        tokens,
                        tokens,
                        drafted,
                        0,
                        0,
                        queueingMs,
                        1,
                        1,
                        1,
                        1,
                        1,
                        verifyMs,
                        1,
                        1,
                        0),
                "");
    }

    private static ReplayOutcome lost(double dueMs) {
        return outcome(Status.LOST, dueMs, NAN, NAN, 0, 0, NAN, NAN);
    }

    private static ReplayOutcome rejected(double dueMs, double answeredMs) {
        return outcome(Status.REJECTED, dueMs, answeredMs, NAN, 0, 0, NAN, NAN);
    }
}
