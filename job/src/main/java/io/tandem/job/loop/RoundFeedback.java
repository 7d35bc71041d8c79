package io.tandem.job.loop;

import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.udfs.Results;
import io.tandem.udfs.SequenceStates;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tail of the round loop, co-located with the head: emits the results of the sequences that
 * finished this round and hands the batch back to the head through the {@link FeedbackChannel},
 * with what is left of it (nothing, when the batch is done: then the head lets go of it).
 *
 * <p>Measures the round's loop overhead on the way: the time since the head sent the batch that was
 * spent neither in a model nor waiting for one. Head and tail share a JVM, so their {@code
 * System.nanoTime()} stamps compare even when the model stages ran elsewhere.
 *
 * <p>Drops rounds of an earlier run of the head (after a restore, the draft and verify operators
 * replay the batches that were in their queues, while the head re-emits its own copies): only the
 * head's copies go on, so each batch keeps looping once and each request gets one result.
 *
 * <p>Metrics (group {@code tandem}): {@code staleRoundsDropped}, {@code deadlinesMet} and {@code
 * deadlinesMissed} (results of requests with a deadline, by whether they left within it).
 */
public final class RoundFeedback extends RichFlatMapFunction<RoundBatch, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(RoundFeedback.class);

    private final String loop;

    private transient FeedbackChannel feedback;
    private transient Counter staleRounds;
    private transient Counter deadlinesMet;
    private transient Counter deadlinesMissed;

    RoundFeedback(String loop) {
        this.loop = loop;
    }

    @Override
    public void open(OpenContext openContext) {
        feedback =
                FeedbackChannel.openTail(
                        getRuntimeContext().getJobInfo().getJobId().toString(),
                        loop,
                        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("tandem");
        staleRounds = metrics.counter("staleRoundsDropped");
        deadlinesMet = metrics.counter("deadlinesMet");
        deadlinesMissed = metrics.counter("deadlinesMissed");
    }

    @Override
    public void flatMap(RoundBatch batch, Collector<InferenceResult> out) {
        if (batch.getEpoch() != feedback.epoch()) {
            staleRounds.inc();
            LOG.debug(
                    "Dropping round {} of batch {} from an earlier run of the loop head",
                    batch.getRound(),
                    batch.getBatchId());
            return;
        }
        RoundReport report = batch.getReport();
        double roundMs = (System.nanoTime() - report.getHeadEmitNanos()) / 1e6;
        double overheadMs =
                Math.max(
                        0,
                        roundMs
                                - report.getDraftMs()
                                - report.getDraftWaitMs()
                                - report.getVerifyMs()
                                - report.getVerifyWaitMs());
        long now = System.currentTimeMillis();
        List<String> finished = new ArrayList<>(batch.getResults().size());
        for (InferenceResult result : batch.getResults()) {
            Results.delivered(result, now, overheadMs);
            if (result.getDeadlineMet() != null) {
                (result.getDeadlineMet() ? deadlinesMet : deadlinesMissed).inc();
            }
            finished.add(result.getRequestId());
            out.collect(result);
        }
        feedback.send(
                RoundBatch.newBuilder(batch)
                        .setSequences(
                                SequenceStates.each(
                                        batch.getSequences(),
                                        s -> s.setOverheadMs(s.getOverheadMs() + overheadMs)))
                        .setResults(List.of())
                        .setReleased(finished)
                        .setReport(
                                RoundReport.newBuilder(report)
                                        .setForwardOverheadMs(overheadMs)
                                        .setFeedbackNanos(System.nanoTime())
                                        .build())
                        .build());
    }
}
