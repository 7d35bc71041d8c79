package io.tandem.job.loop;

import io.tandem.job.config.JobConfig;
import io.tandem.job.operators.Operators;
import io.tandem.job.planning.RoundPolicy;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.udfs.DraftAsyncFunction;
import io.tandem.udfs.VerifyAsyncFunction;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.Partitioner;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.operators.AbstractStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * Wires the round loop: {@code schedule-rounds → draft → verify → finish-rounds}, and from the tail
 * back to the head in memory. The head emits the results and the dead letters of what it refuses.
 *
 * <ul>
 *   <li>Head, draft and tail form the slot sharing group {@value Operators#DRAFT_GROUP}; the head
 *       chains into the draft stage, and the tail is co-located with the head (same slot, hence the
 *       same JVM for the feedback channel). Verify is the group {@value Operators#VERIFY_GROUP}.
 *       With declared resources, fine-grained resource management puts each group on the
 *       TaskManagers that fit it: drafting on small ones, the target on big ones.
 *   <li>Both edges after the draft stage are partitioned by the index of the head that owns the
 *       batch: a batch goes to the same verify subtask every round, where its KV caches are, and
 *       comes back to the tail of its own head, whatever the parallelism of either side. With equal
 *       parallelism each head has a verify worker of its own, so two heads' batches never queue for
 *       one worker while another idles (hashing batch ids did that).
 *   <li>Mode {@code ad} has no draft stage: the head feeds verify directly.
 * </ul>
 */
public final class RoundLoop {

    /** Names the feedback channel and the co-location of head and tail. */
    static final String LOOP = "tandem-round-loop";

    private RoundLoop() {}

    /**
     * What the loop emits: one result per request it serves, and a dead letter for each request it
     * refused (its id already being served, or its tenant's queue full).
     */
    public record Outputs(DataStream<InferenceResult> results, DataStream<DeadLetter> refused) {}

    /** The loop over {@code windows}. */
    public static Outputs wire(DataStream<Batch> windows, JobConfig config) {
        JobConfig.Generation generation = config.generation();
        AvroTypeInfo<RoundBatch> type = new AvroTypeInfo<>(RoundBatch.class);
        SlotSharingGroup draftGroup =
                config.resources().draft().slotSharingGroup(Operators.DRAFT_GROUP);
        SlotSharingGroup verifyGroup =
                config.resources().verify().slotSharingGroup(Operators.VERIFY_GROUP);

        SingleOutputStreamOperator<RoundBatch> head =
                windows.transform(Operators.SCHEDULE, type, new SchedulerFactory(generation))
                        .uid(Operators.SCHEDULE)
                        .slotSharingGroup(draftGroup);
        head.getTransformation().setCoLocationGroupKey(LOOP);

        DataStream<RoundBatch> toVerify = head;
        if (generation.speculative()) {
            toVerify =
                    AsyncDataStream.unorderedWait(
                                    head,
                                    new DraftAsyncFunction(
                                            generation.draftSource(), generation.callTimeout()),
                                    generation.timeout().toMillis(),
                                    TimeUnit.MILLISECONDS,
                                    generation.capacity())
                            .name(Operators.DRAFT)
                            .uid(Operators.DRAFT)
                            .slotSharingGroup(draftGroup);
        }
        SingleOutputStreamOperator<RoundBatch> verified =
                AsyncDataStream.unorderedWait(
                                toVerify.partitionCustom(
                                        new BySubtask(), RoundBatch::getLoopSubtask),
                                new VerifyAsyncFunction(
                                        generation.targetSource(), generation.callTimeout()),
                                generation.timeout().toMillis(),
                                TimeUnit.MILLISECONDS,
                                generation.capacity())
                        .name(Operators.VERIFY)
                        .uid(Operators.VERIFY)
                        .slotSharingGroup(verifyGroup);

        DataStreamSink<RoundBatch> tail =
                verified.partitionCustom(new BySubtask(), RoundBatch::getLoopSubtask)
                        .sinkTo(new RoundFeedback(LOOP))
                        .name(Operators.FEEDBACK)
                        .uid(Operators.FEEDBACK)
                        .slotSharingGroup(draftGroup);
        tail.getTransformation().setCoLocationGroupKey(LOOP);
        return new Outputs(
                head.getSideOutput(RoundScheduler.RESULTS),
                head.getSideOutput(RoundScheduler.REFUSED));
    }

    /** Sends a record to the subtask its key names (modulo the parallelism). */
    private static final class BySubtask implements Partitioner<Integer> {
        @Override
        public int partition(Integer key, int partitions) {
            return key % partitions;
        }
    }

    /** Creates the head with the task's mailbox, which it hands feedback to. */
    static final class SchedulerFactory extends AbstractStreamOperatorFactory<RoundBatch>
            implements OneInputStreamOperatorFactory<Batch, RoundBatch> {

        private final JobConfig.Generation generation;

        SchedulerFactory(JobConfig.Generation generation) {
            this.generation = generation;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T extends StreamOperator<RoundBatch>> T createStreamOperator(
                StreamOperatorParameters<RoundBatch> parameters) {
            return (T) new RoundScheduler(parameters, RoundPolicy.of(generation), LOOP, generation);
        }

        @Override
        @SuppressWarnings("rawtypes")
        public Class<? extends StreamOperator> getStreamOperatorClass(ClassLoader classLoader) {
            return RoundScheduler.class;
        }
    }
}
