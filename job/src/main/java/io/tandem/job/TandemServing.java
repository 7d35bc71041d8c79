package io.tandem.job;

import io.tandem.job.config.JobConfig;
import io.tandem.job.loop.RoundLoop;
import io.tandem.job.operators.BatchLaneSelector;
import io.tandem.job.operators.BatchRequestsFunction;
import io.tandem.job.operators.DecodeRequestFunction;
import io.tandem.job.operators.Operators;
import io.tandem.job.operators.RawRecord;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Tandem as a part of a user's own DataStream pipeline: requests from any source in, results and
 * dead letters out, with the validation, window planning, round loop and draft/verify placement of
 * the Kafka job, which is one user of it ({@link TandemJob}).
 *
 * <pre>{@code
 * JobConfig config = JobConfig.from(Configuration.fromMap(Map.of(
 *         "tandem.model.dir", "models/austen-target",
 *         "tandem.model.draft-dir", "models/austen-draft")));
 * TandemServing.Served served = TandemServing.generate(requests, config);
 * served.results().sinkTo(mySink);
 * served.deadLetters().sinkTo(myDeadLetterSink);
 * }</pre>
 *
 * <p>The environment's parallelism, checkpointing and type settings are the caller's; {@link
 * TandemJob#configure} applies the ones the Kafka job uses. Of the configuration only the {@code
 * tandem.kafka.*} keys are unused here.
 */
public final class TandemServing {

    /** The stream name dead letters of {@link #generate} requests give as their topic. */
    public static final String STREAM_SOURCE = "datastream";

    private TandemServing() {}

    /** What serving a stream of requests gives: one result or one dead letter per request. */
    public record Served(DataStream<InferenceResult> results, DataStream<DeadLetter> deadLetters) {}

    /**
     * Serves {@code requests}. A request that fails validation is dead-lettered with its reason, as
     * on the Kafka job; its position is this stream's name ({@link #STREAM_SOURCE}), the subtask
     * that took it in, and its index there.
     */
    public static Served generate(DataStream<InferenceRequest> requests, JobConfig config) {
        DataStream<RawRecord> records =
                requests.map(new ToRecord())
                        .name(Operators.ENCODE)
                        .uid(Operators.ENCODE)
                        .slotSharingGroup(ingestGroup(config));
        return serve(records, config);
    }

    /**
     * Serves records as read from a source, each an Avro {@link InferenceRequest} with where it
     * came from: decode → batch → the round loop (schedule → draft → verify → finish, and back).
     */
    public static Served serve(DataStream<RawRecord> records, JobConfig config) {
        SlotSharingGroup ingest = ingestGroup(config);
        SingleOutputStreamOperator<AdmittedRequest> admitted =
                records.process(new DecodeRequestFunction(config.limits(), config.generation()))
                        .name(Operators.DECODE)
                        .uid(Operators.DECODE)
                        .slotSharingGroup(ingest);

        DataStream<Batch> windows =
                admitted.keyBy(
                                new BatchLaneSelector(
                                        config.batching().lanes(),
                                        config.parallelism(),
                                        config.maxParallelism()))
                        .process(new BatchRequestsFunction(config.batching()))
                        .name(Operators.BATCH)
                        .uid(Operators.BATCH)
                        .slotSharingGroup(ingest);
        RoundLoop.Outputs loop = RoundLoop.wire(windows, config);
        return new Served(
                loop.results(),
                admitted.getSideOutput(DecodeRequestFunction.DEAD_LETTERS).union(loop.refused()));
    }

    static SlotSharingGroup ingestGroup(JobConfig config) {
        return config.resources().ingest().slotSharingGroup(Operators.INGEST_GROUP);
    }

    /** A request as a record of this stream: its Avro bytes and its place in the stream. */
    private static final class ToRecord extends RichMapFunction<InferenceRequest, RawRecord> {

        private transient int subtask;
        private transient long index;

        @Override
        public void open(OpenContext context) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public RawRecord map(InferenceRequest request) {
            return new RawRecord(
                    STREAM_SOURCE,
                    subtask,
                    index++,
                    System.currentTimeMillis(),
                    AvroBytes.encode(request));
        }
    }
}
