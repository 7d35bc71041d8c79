package io.tandem.udfs;

import io.tandem.speculative.AcceptanceStats;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.ThreadSafeSimpleCounter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The verify operator's metrics, in the group {@code tandem}. Where vLLM has the same figure, the
 * name follows vLLM's ({@code vllm:spec_decode_num_draft_tokens} becomes {@code
 * specDecodeNumDraftTokens}), so dashboards map one to one:
 *
 * <ul>
 *   <li>counters {@code requestsOut}, {@code requestsFailed}, {@code generatedTokens}, {@code
 *       specDecodeNumDrafts} (rounds that drafted), {@code specDecodeNumDraftTokens}, {@code
 *       specDecodeNumAcceptedTokens}, and {@code specDecodeNumAcceptedTokensPerPos} under a {@code
 *       position} subgroup (1, 2, …);
 *   <li>gauges {@code acceptanceRate} (accepted / drafted tokens) and {@code meanAcceptedLength}
 *       (tokens per drafting round: 1 + accepted / drafts), since the subtask started;
 *   <li>histograms {@code roundMillis} (target model time per verification call, which may serve
 *       the rounds of several batches at once) and {@code e2eRequestLatencyMillis} (client send to
 *       result).
 * </ul>
 *
 * <p>Updated from the worker thread, and for abandoned rounds from the task thread (their counters
 * are thread-safe); the gauges read atomics, so reporters may read them from any thread.
 */
final class GenerationMetrics {

    private static final int HISTOGRAM_WINDOW = 1000;

    private final MetricGroup group;
    private final Counter requestsOut;
    private final Counter requestsFailed;
    private final Counter generatedTokens;
    private final Counter drafts;
    private final Counter draftTokens;
    private final Counter acceptedTokens;
    private final List<Counter> acceptedPerPosition = new ArrayList<>();
    private final AtomicLong draftCount = new AtomicLong();
    private final AtomicLong drafted = new AtomicLong();
    private final AtomicLong accepted = new AtomicLong();
    private final Histogram roundMillis;
    private final Histogram e2eLatencyMillis;

    GenerationMetrics(MetricGroup operatorGroup) {
        group = operatorGroup.addGroup("tandem");
        // a round abandoned by the timeout fails its requests on the task thread
        requestsOut = group.counter("requestsOut", new ThreadSafeSimpleCounter());
        requestsFailed = group.counter("requestsFailed", new ThreadSafeSimpleCounter());
        generatedTokens = group.counter("generatedTokens");
        drafts = group.counter("specDecodeNumDrafts");
        draftTokens = group.counter("specDecodeNumDraftTokens");
        acceptedTokens = group.counter("specDecodeNumAcceptedTokens");
        group.gauge("acceptanceRate", (Gauge<Double>) () -> ratio(accepted.get(), drafted.get()));
        group.gauge(
                "meanAcceptedLength",
                (Gauge<Double>)
                        () ->
                                draftCount.get() == 0
                                        ? 0.0
                                        : 1 + ratio(accepted.get(), draftCount.get()));
        roundMillis = histogram("roundMillis");
        e2eLatencyMillis = histogram("e2eRequestLatencyMillis");
    }

    /** A batch's verification round and the target model time it took. */
    void round(double verifyMillis) {
        roundMillis.update(Math.round(verifyMillis));
    }

    /** A request that finished, with its tokens and how its rounds went. */
    void completed(int tokens, AcceptanceStats acceptance, double e2eMillis) {
        requestsOut.inc();
        generatedTokens.inc(tokens);
        e2eLatencyMillis.update(Math.round(e2eMillis));
        long[] draftedAt = acceptance.drafted();
        long[] acceptedAt = acceptance.accepted();
        if (draftedAt.length == 0) {
            return;
        }
        // every round that drafted drafted position 1
        drafts.inc(draftedAt[0]);
        draftCount.addAndGet(draftedAt[0]);
        draftTokens.inc(acceptance.totalDrafted());
        drafted.addAndGet(acceptance.totalDrafted());
        acceptedTokens.inc(acceptance.totalAccepted());
        accepted.addAndGet(acceptance.totalAccepted());
        for (int position = 0; position < acceptedAt.length; position++) {
            positionCounter(position).inc(acceptedAt[position]);
        }
    }

    void failed(int requests) {
        requestsFailed.inc(requests);
        requestsOut.inc(requests);
    }

    private Counter positionCounter(int position) {
        while (acceptedPerPosition.size() <= position) {
            acceptedPerPosition.add(
                    group.addGroup("position", String.valueOf(acceptedPerPosition.size() + 1))
                            .counter("specDecodeNumAcceptedTokensPerPos"));
        }
        return acceptedPerPosition.get(position);
    }

    private Histogram histogram(String name) {
        return group.histogram(name, new DescriptiveStatisticsHistogram(HISTOGRAM_WINDOW));
    }

    private static double ratio(long numerator, long denominator) {
        return denominator == 0 ? 0.0 : (double) numerator / denominator;
    }
}
