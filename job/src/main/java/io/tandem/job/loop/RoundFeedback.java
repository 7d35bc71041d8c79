package io.tandem.job.loop;

import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * The tail of the round loop, co-located with the head: emits the results of the sequences that
 * finished this round and hands the batch back to the head through the {@link FeedbackChannel},
 * with what is left of it (nothing, when the batch is done: then the head lets go of it).
 *
 * <p>Measures the round's loop overhead on the way: the time since the head sent the batch that was
 * spent neither in a model nor waiting for one. Head and tail share a JVM, so their {@code
 * System.nanoTime()} stamps compare even when the model stages ran elsewhere.
 */
public final class RoundFeedback extends RichFlatMapFunction<RoundBatch, InferenceResult> {

    private final String loop;

    private transient BlockingQueue<RoundBatch> feedback;

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
    }

    @Override
    public void flatMap(RoundBatch batch, Collector<InferenceResult> out) {
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
        List<String> finished = new ArrayList<>(batch.getResults().size());
        for (InferenceResult result : batch.getResults()) {
            LatencyBreakdown latency = result.getLatency();
            latency.setRoundOverheadMs(latency.getRoundOverheadMs() + overheadMs);
            finished.add(result.getRequestId());
            out.collect(result);
        }
        List<SequenceState> running = new ArrayList<>(batch.getSequences().size());
        for (SequenceState sequence : batch.getSequences()) {
            running.add(
                    SequenceState.newBuilder(sequence)
                            .setOverheadMs(sequence.getOverheadMs() + overheadMs)
                            .build());
        }
        report.setForwardOverheadMs(overheadMs);
        report.setFeedbackNanos(System.nanoTime());
        feedback.add(
                RoundBatch.newBuilder(batch)
                        .setSequences(running)
                        .setResults(List.of())
                        .setReleased(finished)
                        .build());
    }
}
