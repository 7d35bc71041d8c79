package io.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.tandem.udfs.ServingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadSweepTest {

    private static final double[] FACTORS = {0.5, 1, 2};
    private static final double CAPACITY = 4;

    @Test
    void ratesAreTheFactorsTimesTheCapacity() {
        assertThat(LoadSweep.rates(CAPACITY, FACTORS)).containsExactly(2.0, 4.0, 8.0);
        assertThatThrownBy(() -> LoadSweep.rates(0, FACTORS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LoadSweep.rates(Double.NaN, FACTORS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theDefaultSloIsTheFactorTimesAdsMedianTpot() {
        // TPOTs 10, 20 and 40 ms: the median is 20
        PipelineRun ad = run(ServingMode.AD, 2, 1000, 100, 200, 400);

        assertThat(LoadSweep.defaultTpotSlo(2, ad)).isEqualTo(40.0);
        assertThat(LoadSweep.defaultTpotSlo(1.5, ad)).isEqualTo(30.0);
    }

    @Test
    void tpotIsLatencyOverOutputTokensAndGoodputCountsTheRequestsWithinTheSlo() {
        // 4 requests sent, 3 answered by 2 s: TPOTs 10, 20 and 40 ms
        PipelineRun run =
                new PipelineRun(
                        PipelineRun.PIPELINE,
                        "ad",
                        2,
                        4,
                        List.of(
                                outcome("q-0", 100, 500, 10),
                                outcome("q-1", 200, 1000, 10),
                                outcome("q-2", 400, 2000, 10)),
                        1,
                        0,
                        0,
                        0);

        assertThat(run.tpotP50()).isEqualTo(20.0);
        assertThat(run.throughput()).isEqualTo(1.5);
        assertThat(run.tokenThroughput()).isEqualTo(15.0);
        assertThat(run.goodput(20)).isEqualTo(1.0);
        assertThat(run.goodShare(20)).isEqualTo(0.5);
        assertThat(run.goodput(5)).isZero();
        assertThat(run.goodShare(100)).isEqualTo(0.75);
    }

    @Test
    void aResultWithoutTokensIsNeverWithinTheSlo() {
        assertThat(outcome("q-0", 100, 100, 0).tpotMs()).isInfinite();
    }

    @Test
    void ratiosAreEachModesFiguresOverAdsAtTheSameRate() {
        // p50 (one request per run, so also p99) per factor: ad 100, 200, 400; sd 50, 150, 200
        LoadSweep sweep =
                sweep(
                        new double[] {100, 200, 400},
                        new double[] {80, 160, 320},
                        new double[] {50, 150, 200},
                        Double.NaN);

        assertThat(sweep.vsAd(ServingMode.SD, 0, PipelineRun::p50)).isEqualTo(0.5);
        assertThat(sweep.maxVsAd(ServingMode.SD, PipelineRun::p50)).isEqualTo(0.75);
        assertThat(sweep.maxVsAd(ServingMode.SD_FIXED, PipelineRun::p99)).isEqualTo(0.8);
        assertThat(sweep.vsAdAt(1, ServingMode.SD, PipelineRun::p50)).isEqualTo(0.75);
        assertThat(sweep.vsAdAt(1.5, ServingMode.SD, PipelineRun::p50)).isNaN();
    }

    @Test
    void goodputAtCapacityComparesTheResultsWithinTheSlo() {
        // SLO 15 ms a token over 10 tokens: 150 ms; at capacity ad's 200 ms misses, sd's 150 makes
        // it
        LoadSweep sweep =
                sweep(
                        new double[] {100, 200, 400},
                        new double[] {80, 160, 320},
                        new double[] {50, 150, 200},
                        15);

        PipelineRun sd = sweep.run(ServingMode.SD, 1);
        assertThat(sweep.goodput(sd)).isCloseTo(sd.throughput(), within(1e-9));
        assertThat(sweep.goodput(sweep.run(ServingMode.AD, 1))).isZero();
        assertThat(sweep.vsAdAt(1, ServingMode.SD, sweep::goodput)).isInfinite();
        // at half of it both make it, sd's one result in half ad's time
        assertThat(sweep.vsAdAt(0.5, ServingMode.SD, sweep::goodput)).isEqualTo(2.0);
    }

    @Test
    void greedyOutputIsComparedWithAdsAtTheLowestRate() {
        LoadSweep same =
                sweep(new double[] {1, 1, 1}, new double[] {1, 1, 1}, new double[] {1, 1, 1}, 1);
        assertThat(same.greedyMismatches()).isZero();

        List<PipelineRun> runs = new ArrayList<>(same.runs());
        PipelineRun last = runs.remove(runs.size() - 1);
        RequestOutcome differs =
                new RequestOutcome(
                        "q-0",
                        1,
                        1,
                        List.of(9),
                        1,
                        0,
                        0,
                        "b",
                        "w",
                        0,
                        List.of(),
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0,
                        0);
        runs.add(
                new PipelineRun(
                        last.path(), last.mode(), last.rate(), 1, List.of(differs), 0, 0, 0, 0));
        LoadSweep other = new LoadSweep("cpu", CAPACITY, null, FACTORS, runs, 1);
        assertThat(other.greedyMismatches()).isEqualTo(1);
    }

    /** A sweep with one request of 10 tokens per run, of these latencies per mode and factor. */
    private static LoadSweep sweep(double[] ad, double[] sdFixed, double[] sd, double sloMs) {
        double[] rates = LoadSweep.rates(CAPACITY, FACTORS);
        List<PipelineRun> runs = new ArrayList<>();
        for (int step = 0; step < rates.length; step++) {
            runs.add(run(ServingMode.AD, rates[step], ad[step]));
            runs.add(run(ServingMode.SD_FIXED, rates[step], sdFixed[step]));
            runs.add(run(ServingMode.SD, rates[step], sd[step]));
        }
        return new LoadSweep("gpu", CAPACITY, null, FACTORS, runs, sloMs);
    }

    /** A run whose requests of 10 tokens each took {@code latencies}, done at their latency. */
    private static PipelineRun run(ServingMode mode, double rate, double... latencies) {
        List<RequestOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < latencies.length; i++) {
            outcomes.add(outcome(PipelineWorkload.id(i), latencies[i], latencies[i], 10));
        }
        return new PipelineRun(
                PipelineRun.PIPELINE, mode.label(), rate, latencies.length, outcomes, 0, 0, 0, 0);
    }

    private static RequestOutcome outcome(String id, double latencyMs, double doneMs, int tokens) {
        return new RequestOutcome(
                id,
                latencyMs,
                doneMs,
                Collections.nCopies(tokens, 7),
                tokens,
                0,
                0,
                "batch",
                "window",
                0,
                List.of(),
                0,
                0,
                0,
                0,
                latencyMs,
                0,
                0,
                0);
    }
}
