package io.tandem.job;

import io.tandem.job.config.JobConfig;
import io.tandem.job.kafka.KafkaConnectors;
import io.tandem.job.kafka.TopicProvisioner;
import io.tandem.job.operators.Operators;
import io.tandem.job.operators.RawRecord;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import java.util.function.Consumer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;

/**
 * The Tandem serving job: requests from Kafka are decoded and validated, batched per lane, and
 * generated in rounds of drafting and verification that loop until each request is done; results
 * and dead letters go back to Kafka.
 *
 * <p>{@link #defineWorkflow} wires the operators between a source and sinks it is given, so tests
 * can run the same topology on bounded sources and collecting sinks; {@link #wireKafka} supplies
 * the real connectors. {@link #main} is the entry point of {@code flink run} and of {@code ./tandem
 * run}.
 */
public final class TandemJob {

    public static final String JOB_NAME = "tandem";

    /** Ingest, draft and verify. */
    public static final int SLOT_SHARING_GROUPS = 3;

    private TandemJob() {}

    /** Where the job's two outputs go. */
    public record Sinks(
            Consumer<DataStream<InferenceResult>> results,
            Consumer<DataStream<DeadLetter>> deadLetters) {}

    /**
     * Runs the job against the Kafka cluster named in the arguments (see {@code ./tandem run
     * --help}). It never calls {@code System.exit}: under {@code flink run} in application mode
     * that would stop the JobManager; failure is an exception instead.
     */
    public static void main(String[] args) {
        int exitCode = new CommandLine(new RunCommand()).execute(args);
        if (exitCode != 0) {
            throw new IllegalStateException("tandem run failed (exit code " + exitCode + ")");
        }
    }

    /**
     * An environment configured for serving: parallelism, checkpointing, no network buffering
     * delay, no silent Kryo fallback. Outside a cluster it is a local one with {@code
     * localTaskManagers} TaskManagers.
     */
    public static StreamExecutionEnvironment environment(JobConfig config, int localTaskManagers) {
        return environment(config, localTaskManagers, new Configuration());
    }

    /**
     * As {@link #environment(JobConfig, int)}, with {@code cluster} settings for the local cluster
     * on top (a benchmark reading Flink's REST API chooses its port, for example).
     */
    public static StreamExecutionEnvironment environment(
            JobConfig config, int localTaskManagers, Configuration cluster) {
        Configuration conf = new Configuration(cluster);
        conf.set(TaskManagerOptions.MINI_CLUSTER_NUM_TASK_MANAGERS, localTaskManagers);
        // every subtask index needs a slot in each of three slot sharing groups: ingest, draft and
        // verify
        conf.set(
                TaskManagerOptions.NUM_TASK_SLOTS,
                SLOT_SHARING_GROUPS
                        * Math.max(
                                1,
                                (config.parallelism() + localTaskManagers - 1)
                                        / localTaskManagers));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        configure(env, config);
        return env;
    }

    /**
     * Configures {@code env} (local or a cluster's) for serving: parallelism, checkpointing, no
     * network buffering delay, no silent Kryo fallback.
     */
    public static void configure(StreamExecutionEnvironment env, JobConfig config) {
        Configuration pipeline = new Configuration();
        pipeline.set(PipelineOptions.GENERIC_TYPES, false);
        env.configure(pipeline);
        env.setParallelism(config.parallelism());
        env.setMaxParallelism(config.maxParallelism());
        env.setBufferTimeout(config.bufferTimeout().toMillis());
        if (!config.checkpointInterval().isZero()) {
            env.enableCheckpointing(config.checkpointInterval().toMillis());
        }
    }

    /**
     * Adds the job on real Kafka connectors to {@code env}, creating missing topics first if so
     * configured.
     *
     * @param bounded stop at the requests that exist when the job starts (demo, tests, replays)
     */
    public static void wireKafka(
            StreamExecutionEnvironment env, JobConfig config, boolean bounded) {
        if (config.kafka().createTopics()) {
            TopicProvisioner.ensureTopics(config.kafka());
        }
        defineWorkflow(
                env,
                KafkaConnectors.requestsSource(config.kafka(), bounded),
                new Sinks(
                        results ->
                                results.sinkTo(KafkaConnectors.resultsSink(config.kafka()))
                                        .name(Operators.RESULTS_SINK)
                                        .uid(Operators.RESULTS_SINK),
                        deadLetters ->
                                deadLetters
                                        .sinkTo(KafkaConnectors.deadLetterSink(config.kafka()))
                                        .name(Operators.DEAD_LETTER_SINK)
                                        .uid(Operators.DEAD_LETTER_SINK)
                                        // fed by decode and by the loop head, which sit in
                                        // different groups: left alone it would need a slot
                                        // group of its own
                                        .slotSharingGroup(
                                                config.resources()
                                                        .ingest()
                                                        .slotSharingGroup(Operators.INGEST_GROUP))),
                config);
    }

    /**
     * Wires decode → batch → the round loop (schedule → draft → verify → finish, and back) between
     * {@code source} and {@code sinks} ({@link TandemServing#serve}).
     */
    public static void defineWorkflow(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            Sinks sinks,
            JobConfig config) {
        // Only the end-of-input watermark is used: it flushes open batches when a bounded input
        // ends.
        DataStream<RawRecord> records =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), Operators.SOURCE)
                        .uid(Operators.SOURCE)
                        .slotSharingGroup(TandemServing.ingestGroup(config));
        TandemServing.Served served = TandemServing.serve(records, config);
        sinks.results().accept(served.results());
        sinks.deadLetters().accept(served.deadLetters());
    }
}
