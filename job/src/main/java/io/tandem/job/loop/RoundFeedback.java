package io.tandem.job.loop;

import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.udfs.Results;
import io.tandem.udfs.SequenceStates;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tail of the round loop, co-located with the head: hands each verified round back to the head
 * through the {@link FeedbackChannel}, with its finished sequences' results stamped as delivered
 * and their ids released. The tail is a sink: it emits nothing, because the head emits the results,
 * on the same thread that checkpoints which sequences have finished. A result therefore lies on the
 * same side of a checkpoint barrier as the head's record of its request finishing, which is what
 * makes results exactly once with a transactional results sink (docs/architecture.md).
 *
 * <p>Measures the round's loop overhead on the way: the time since the head sent the batch that was
 * spent neither in a model nor waiting for one. Head and tail share a JVM, so their {@code
 * System.nanoTime()} stamps compare even when the model stages ran elsewhere.
 *
 * <p>Drops rounds of an earlier run of the head (after a restore, the draft and verify operators
 * replay the batches that were in their queues, while the head re-emits its own copies): only the
 * head's copies go on, so each batch keeps looping once.
 *
 * <p>Metric (group {@code tandem}): {@code staleRoundsDropped}.
 */
public final class RoundFeedback implements Sink<RoundBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(RoundFeedback.class);

    private final String loop;

    RoundFeedback(String loop) {
        this.loop = loop;
    }

    @Override
    public SinkWriter<RoundBatch> createWriter(WriterInitContext context) {
        return new Writer(
                FeedbackChannel.openTail(
                        context.getJobInfo().getJobId().toString(),
                        loop,
                        context.getTaskInfo().getIndexOfThisSubtask()),
                context.metricGroup().addGroup("tandem").counter("staleRoundsDropped"));
    }

    /** One tail subtask's end of its channel. */
    static final class Writer implements SinkWriter<RoundBatch> {

        private final FeedbackChannel feedback;
        private final Counter staleRounds;

        Writer(FeedbackChannel feedback, Counter staleRounds) {
            this.feedback = feedback;
            this.staleRounds = staleRounds;
        }

        @Override
        public void write(RoundBatch batch, Context context) {
            if (batch.getEpoch() != feedback.epoch()) {
                staleRounds.inc();
                LOG.debug(
                        "Dropping round {} of batch {} from an earlier run of the loop head",
                        batch.getRound(),
                        batch.getBatchId());
                return;
            }
            feedback.send(delivered(batch, System.nanoTime(), System.currentTimeMillis()));
        }

        @Override
        public void flush(boolean endOfInput) {
            // nothing is buffered: every round has been handed on
        }

        @Override
        public void close() {}
    }

    /**
     * {@code batch} as it goes back to the head at {@code nanos} (and {@code millis} by the wall
     * clock): its results delivered, their ids released, the round's overhead added to every
     * sequence and reported.
     */
    static RoundBatch delivered(RoundBatch batch, long nanos, long millis) {
        RoundReport report = batch.getReport();
        double roundMs = (nanos - report.getHeadEmitNanos()) / 1e6;
        double overheadMs =
                Math.max(
                        0,
                        roundMs
                                - report.getDraftMs()
                                - report.getDraftWaitMs()
                                - report.getVerifyMs()
                                - report.getVerifyWaitMs());
        List<String> finished = new ArrayList<>(batch.getResults().size());
        for (InferenceResult result : batch.getResults()) {
            Results.delivered(result, millis, overheadMs);
            finished.add(result.getRequestId());
        }
        return RoundBatch.newBuilder(batch)
                .setSequences(
                        SequenceStates.each(
                                batch.getSequences(),
                                s -> s.setOverheadMs(s.getOverheadMs() + overheadMs)))
                .setReleased(finished)
                .setReport(
                        RoundReport.newBuilder(report)
                                .setForwardOverheadMs(overheadMs)
                                .setFeedbackNanos(nanos)
                                .build())
                .build();
    }
}
