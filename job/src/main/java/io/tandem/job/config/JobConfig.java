package io.tandem.job.config;

import static io.tandem.job.config.TandemOptions.*;

import io.tandem.model.ModelDevice;
import io.tandem.model.ModelException;
import io.tandem.model.ModelInfo;
import io.tandem.profile.MeasuredPair;
import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ModelSource;
import io.tandem.udfs.ServingMode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * A validated, immutable view of a job's settings. Built once in {@code main} from a Flink {@link
 * Configuration}; operators receive the parts they need through their constructors.
 */
public record JobConfig(
        Kafka kafka,
        Batching batching,
        Generation generation,
        Limits limits,
        Resources resources,
        int parallelism,
        int maxParallelism,
        Duration checkpointInterval,
        Duration bufferTimeout) {

    /**
     * Prefix of keys passed through to every Kafka client, e.g. {@code
     * tandem.kafka.client.security.protocol}.
     */
    public static final String KAFKA_CLIENT_PREFIX = "tandem.kafka.client.";

    /** Where requests come from and results go. */
    public record Kafka(
            String bootstrapServers,
            String requestsTopic,
            String resultsTopic,
            String deadLetterTopic,
            String groupId,
            boolean createTopics,
            int topicPartitions,
            int topicReplication,
            DeliveryGuarantee deliveryGuarantee,
            Map<String, String> clientProperties)
            implements Serializable {

        /** The pass-through client properties plus the bootstrap servers, for any Kafka client. */
        public Properties clientProperties(String clientIdSuffix) {
            Properties props = new Properties();
            props.putAll(clientProperties);
            props.put("bootstrap.servers", bootstrapServers);
            props.putIfAbsent("client.id", groupId + "-" + clientIdSuffix);
            return props;
        }

        /** As the record would print itself, with secret client settings hidden. */
        @Override
        public String toString() {
            return "Kafka[bootstrapServers="
                    + bootstrapServers
                    + ", requestsTopic="
                    + requestsTopic
                    + ", resultsTopic="
                    + resultsTopic
                    + ", deadLetterTopic="
                    + deadLetterTopic
                    + ", groupId="
                    + groupId
                    + ", createTopics="
                    + createTopics
                    + ", topicPartitions="
                    + topicPartitions
                    + ", topicReplication="
                    + topicReplication
                    + ", deliveryGuarantee="
                    + deliveryGuarantee
                    + ", clientProperties="
                    + KafkaSecrets.redacted(clientProperties)
                    + "]";
        }
    }

    /**
     * How requests are grouped before a model call.
     *
     * @param idleArrivals a window closes at once when fewer requests than this are expected within
     *     {@code maxWait}; 0 always waits
     */
    public record Batching(int maxSize, Duration maxWait, int lanes, double idleArrivals)
            implements Serializable {}

    /**
     * The models and how they are called.
     *
     * @param mode how the job generates
     * @param draftDir the draft model's directory, or null in mode ad
     * @param speculationLength the draft length of mode sd-fixed
     * @param plannerProfile the measured profile the planner uses in mode sd, or null otherwise
     * @param maxWaitingRequests requests a loop head holds back, in state, while its batches in
     *     flight are at their limit
     * @param maxBatchSize the most requests a batch grows to as requests join it between rounds
     * @param maxBatchTokens the KV-cache budget of a batch: prompt plus maxNewTokens, summed
     * @param timeout the longest a round waits for a model worker
     * @param callTimeout the longest a model call runs before its batches are failed
     * @param engine what runs the model stages
     */
    public record Generation(
            ServingMode mode,
            String modelDir,
            String draftDir,
            int speculationLength,
            String plannerProfile,
            int capacity,
            int maxBatchesInFlight,
            int maxWaitingRequests,
            int maxWaitingPerTenant,
            int maxRunningPerTenant,
            int maxBatchSize,
            int maxBatchTokens,
            Duration timeout,
            Duration callTimeout,
            double uplinkBandwidthHz,
            ModelEngine engine)
            implements Serializable {

        /** Whether the requests of a window share a modelled wireless uplink. */
        public boolean wireless() {
            return uplinkBandwidthHz > 0;
        }

        /** Whether a draft model speculates for the target. */
        public boolean speculative() {
            return draftDir != null;
        }

        /** Where the verify stage gets the target model. */
        public ModelSource targetSource() {
            return engine.target(modelDir);
        }

        /** Where the draft stage gets the draft model; only in speculative modes. */
        public ModelSource draftSource() {
            return engine.draft(modelDir, draftDir);
        }

        /**
         * The context a request's prompt and output must fit: the target's, or with a draft the
         * smaller of the two, read from the model directories (or the emulated stage profile).
         */
        public int contextLength() throws ModelException {
            if (engine.emulated()) {
                try {
                    return MeasuredPair.read(Path.of(engine.profile())).contextLength();
                } catch (IOException | IllegalArgumentException e) {
                    throw new ModelException(
                            "cannot read the stage profile " + engine.profile() + ": " + e, e);
                }
            }
            int context = ModelInfo.read(Path.of(modelDir)).contextLength();
            if (speculative()) {
                context = Math.min(context, ModelInfo.read(Path.of(draftDir)).contextLength());
            }
            return context;
        }
    }

    /**
     * What one subtask of a slot sharing group asks of a TaskManager under fine-grained resource
     * management; {@link #declared()} is false when it asks nothing in particular.
     */
    public record StageResources(double cpuCores, MemorySize taskHeap, int gpus)
            implements Serializable {

        /** Flink's name of the external resource GPUs are declared as. */
        public static final String GPU = "gpu";

        public boolean declared() {
            return cpuCores > 0 || taskHeap.getBytes() > 0;
        }

        /** These resources, asking also for {@code count} of Flink's external resource gpu. */
        StageResources withGpus(int count) {
            return new StageResources(cpuCores, taskHeap, count);
        }

        /** The slot sharing group {@code name} asking for these resources. */
        public SlotSharingGroup slotSharingGroup(String name) {
            SlotSharingGroup.Builder builder = SlotSharingGroup.newBuilder(name);
            if (declared()) {
                builder.setCpuCores(cpuCores).setTaskHeapMemory(taskHeap);
            }
            if (gpus > 0) {
                builder.setExternalResource(GPU, gpus);
            }
            return builder.build();
        }
    }

    /**
     * Resources of the ingest side (source, decode, batching), the draft side (small TaskManagers)
     * and the verify side (big ones).
     */
    public record Resources(StageResources ingest, StageResources draft, StageResources verify)
            implements Serializable {}

    /** Input limits; a request past one goes to the dead-letter topic. */
    public record Limits(
            int maxPromptTokens, int maxNewTokens, int maxRecordBytes, float maxTemperature)
            implements Serializable {}

    /**
     * Reads and checks every Tandem option; messages name the key, the value and what is allowed.
     */
    public static JobConfig from(Configuration conf) {
        int parallelism = atLeast(conf, PARALLELISM, 1);
        int maxParallelism = atLeast(conf, MAX_PARALLELISM, parallelism);
        int lanes = conf.get(BATCH_LANES);
        if (lanes == -1) {
            lanes = parallelism;
        } else if (lanes < 1) {
            throw invalid(BATCH_LANES.key(), lanes, "a positive number, or -1 for the parallelism");
        }
        int replication = conf.get(TOPIC_REPLICATION);
        if (replication == 0 || replication < -1) {
            throw invalid(
                    TOPIC_REPLICATION.key(),
                    replication,
                    "a positive number, or -1 for min(3, brokers)");
        }
        Kafka kafka =
                new Kafka(
                        nonBlank(conf, BOOTSTRAP_SERVERS.key(), conf.get(BOOTSTRAP_SERVERS)),
                        nonBlank(conf, REQUESTS_TOPIC.key(), conf.get(REQUESTS_TOPIC)),
                        nonBlank(conf, RESULTS_TOPIC.key(), conf.get(RESULTS_TOPIC)),
                        nonBlank(conf, DEAD_LETTER_TOPIC.key(), conf.get(DEAD_LETTER_TOPIC)),
                        nonBlank(conf, GROUP_ID.key(), conf.get(GROUP_ID)),
                        conf.get(CREATE_TOPICS),
                        atLeast(conf, TOPIC_PARTITIONS, 1),
                        replication,
                        conf.get(DELIVERY_GUARANTEE),
                        clientProperties(conf));
        Batching batching =
                new Batching(
                        atLeast(conf, BATCH_MAX_SIZE, 1),
                        positive(conf, BATCH_MAX_WAIT),
                        lanes,
                        idleArrivals(conf));
        ServingMode mode = ServingMode.of(conf.get(MODE));
        if (mode == null) {
            throw invalid(MODE.key(), conf.get(MODE), "sd, sd-fixed or ad");
        }
        if (mode.speculative() && conf.get(DRAFT_MODEL_DIR).isBlank()) {
            throw new IllegalArgumentException(
                    MODE.key()
                            + " is "
                            + mode.label()
                            + ", which needs a draft model: set "
                            + DRAFT_MODEL_DIR.key()
                            + ", or set "
                            + MODE.key()
                            + " to ad to serve with the target alone");
        }
        if (conf.get(GENERATE_CAPACITY) < conf.get(MAX_BATCHES_IN_FLIGHT)) {
            throw new IllegalArgumentException(
                    GENERATE_CAPACITY.key()
                            + "="
                            + conf.get(GENERATE_CAPACITY)
                            + " is below "
                            + MAX_BATCHES_IN_FLIGHT.key()
                            + "="
                            + conf.get(MAX_BATCHES_IN_FLIGHT)
                            + ": a loop head would block on a full draft stage and stop taking"
                            + " back verified rounds. Raise the capacity or lower the batches in"
                            + " flight.");
        }
        ModelEngine engine = engine(conf);
        Generation generation =
                new Generation(
                        mode,
                        nonBlank(conf, MODEL_DIR.key(), conf.get(MODEL_DIR)),
                        mode.speculative() ? conf.get(DRAFT_MODEL_DIR).trim() : null,
                        atLeast(conf, SPECULATION_LENGTH, 1),
                        mode == ServingMode.SD ? plannerProfile(conf, engine) : null,
                        atLeast(conf, GENERATE_CAPACITY, 1),
                        atLeast(conf, MAX_BATCHES_IN_FLIGHT, 1),
                        atLeast(conf, MAX_WAITING_REQUESTS, 0),
                        atLeast(conf, MAX_WAITING_PER_TENANT, 0),
                        atLeast(conf, MAX_RUNNING_PER_TENANT, 0),
                        atLeast(conf, MAX_BATCH_SIZE, 1),
                        atLeast(conf, MAX_BATCH_TOKENS, 1),
                        positive(conf, GENERATE_TIMEOUT),
                        positive(conf, MODEL_CALL_TIMEOUT),
                        uplinkBandwidth(conf),
                        engine);
        float maxTemperature = conf.get(MAX_TEMPERATURE);
        if (!(maxTemperature > 0)) {
            throw invalid(MAX_TEMPERATURE.key(), maxTemperature, "a positive number");
        }
        Limits limits =
                new Limits(
                        atLeast(conf, MAX_PROMPT_TOKENS, 1),
                        atLeast(conf, MAX_NEW_TOKENS, 1),
                        atLeast(conf, MAX_RECORD_BYTES, 16),
                        maxTemperature);
        Resources resources =
                new Resources(
                        stageResources(conf, INGEST_CPU_CORES, INGEST_TASK_HEAP),
                        onGpu(
                                stageResources(conf, DRAFT_CPU_CORES, DRAFT_TASK_HEAP),
                                mode.speculative() ? engine.draftDevice() : ModelDevice.CPU,
                                DRAFT_MODEL_DEVICE.key(),
                                "draft"),
                        onGpu(
                                stageResources(conf, VERIFY_CPU_CORES, VERIFY_TASK_HEAP),
                                engine.targetDevice(),
                                MODEL_DEVICE.key(),
                                "verify"));
        boolean anyDeclared =
                resources.ingest().declared()
                        || resources.draft().declared()
                        || resources.verify().declared();
        boolean allDeclared =
                resources.ingest().declared()
                        && resources.draft().declared()
                        && (resources.verify().declared());
        if (anyDeclared && !allDeclared) {
            throw new IllegalArgumentException(
                    "Declare the resources of all three slot sharing groups (tandem.ingest.*,"
                            + " tandem.draft.*, tandem.verify.*: cpu-cores and task-heap) or of"
                            + " none: Flink fills a request that declares none with any free"
                            + " slot, including one sized for another group, which then waits"
                            + " for a slot forever.");
        }
        Duration checkpoint = conf.get(CHECKPOINT_INTERVAL);
        if (checkpoint.isNegative()) {
            throw invalid(CHECKPOINT_INTERVAL.key(), checkpoint, "a duration >= 0 (0 disables)");
        }
        if (checkpoint.isZero() && kafka.deliveryGuarantee() == DeliveryGuarantee.EXACTLY_ONCE) {
            throw new IllegalArgumentException(
                    DELIVERY_GUARANTEE.key()
                            + ": exactly-once commits the results with each checkpoint, so it needs"
                            + " "
                            + CHECKPOINT_INTERVAL.key()
                            + " > 0; with checkpoints off no result would ever be committed.");
        }
        Duration bufferTimeout = conf.get(BUFFER_TIMEOUT);
        if (bufferTimeout.isNegative()) {
            throw invalid(BUFFER_TIMEOUT.key(), bufferTimeout, "a duration >= 0");
        }
        return new JobConfig(
                kafka,
                batching,
                generation,
                limits,
                resources,
                parallelism,
                maxParallelism,
                checkpoint,
                bufferTimeout);
    }

    private static ModelEngine engine(Configuration conf) {
        String engine = conf.get(MODEL_ENGINE).trim();
        ModelDevice target = device(conf, MODEL_DEVICE);
        ModelDevice draft = device(conf, DRAFT_MODEL_DEVICE);
        if (engine.equals(ModelEngine.DJL_NAME)) {
            return ModelEngine.DJL.onDevices(target, draft);
        }
        if (target.isGpu() || draft.isGpu()) {
            throw new IllegalArgumentException(
                    MODEL_DEVICE.key()
                            + " and "
                            + DRAFT_MODEL_DEVICE.key()
                            + " take a GPU only with "
                            + MODEL_ENGINE.key()
                            + " djl: emulated stages compute nothing.");
        }
        if (!engine.equals(ModelEngine.EMULATED)) {
            throw invalid(MODEL_ENGINE.key(), engine, "djl or emulated");
        }
        String profile = conf.getOptional(MODEL_PROFILE).map(String::trim).orElse("");
        if (profile.isEmpty()) {
            throw new IllegalArgumentException(
                    MODEL_ENGINE.key()
                            + " is emulated, which needs the stage profile to take times from: set "
                            + MODEL_PROFILE.key()
                            + ", e.g. to profiles/h200-68m-7b.json");
        }
        double[] acceptance =
                conf.getOptional(MODEL_ACCEPTANCE)
                        .map(rates -> rates.stream().mapToDouble(Double::doubleValue).toArray())
                        .orElse(null);
        if (acceptance != null) {
            if (acceptance.length == 0) {
                throw invalid(MODEL_ACCEPTANCE.key(), "", "at least one rate in [0, 1]");
            }
            for (double rate : acceptance) {
                if (!(rate >= 0 && rate <= 1)) {
                    throw invalid(MODEL_ACCEPTANCE.key(), rate, "rates in [0, 1]");
                }
            }
        }
        return new ModelEngine(profile, acceptance);
    }

    /**
     * The profile the planner prices stages with: the one set, else with emulated stages the
     * profile they emulate, so that plan and stages take the same times.
     */
    private static String plannerProfile(Configuration conf, ModelEngine engine) {
        if (engine.emulated() && !conf.contains(PLANNER_PROFILE)) {
            return engine.profile();
        }
        return nonBlank(conf, PLANNER_PROFILE.key(), conf.get(PLANNER_PROFILE));
    }

    /**
     * {@code resources}, asking for one GPU where the stage's model computes on one: Flink places
     * the stage only on a TaskManager that declares the external resource gpu, which takes a
     * declared CPU and heap.
     */
    private static StageResources onGpu(
            StageResources resources, ModelDevice device, String key, String stage) {
        if (!device.isGpu()) {
            return resources;
        }
        if (!resources.declared()) {
            throw new IllegalArgumentException(
                    key
                            + " is "
                            + device
                            + ", which has the "
                            + stage
                            + " slot sharing group ask Flink for a GPU (external resource gpu):"
                            + " set tandem."
                            + stage
                            + ".cpu-cores and tandem."
                            + stage
                            + ".task-heap too, with those of the other groups (Flink asks for"
                            + " external resources only with declared CPU and heap).");
        }
        return resources.withGpus(1);
    }

    private static ModelDevice device(
            Configuration conf, org.apache.flink.configuration.ConfigOption<String> option) {
        String value = conf.get(option);
        try {
            return ModelDevice.parse(value);
        } catch (IllegalArgumentException e) {
            throw invalid(option.key(), value, "cpu, gpu or gpu:N (N, the GPU's index, >= 0)");
        }
    }

    private static StageResources stageResources(
            Configuration conf,
            org.apache.flink.configuration.ConfigOption<Double> cpu,
            org.apache.flink.configuration.ConfigOption<MemorySize> heap) {
        double cores = conf.get(cpu);
        if (!(cores >= 0)) {
            throw invalid(cpu.key(), cores, "a number of cores >= 0 (0 declares none)");
        }
        MemorySize taskHeap = conf.get(heap);
        if (cores > 0 != taskHeap.getBytes() > 0) {
            throw new IllegalArgumentException(
                    "Set both "
                            + cpu.key()
                            + " and "
                            + heap.key()
                            + ", or neither: Flink needs CPU and heap to declare a slot sharing"
                            + " group's resources.");
        }
        return new StageResources(cores, taskHeap, 0);
    }

    private static double uplinkBandwidth(Configuration conf) {
        double hz = conf.get(UPLINK_BANDWIDTH_HZ);
        if (!(hz >= 0) || Double.isInfinite(hz)) {
            throw invalid(UPLINK_BANDWIDTH_HZ.key(), hz, "a band in Hz >= 0 (0 turns it off)");
        }
        return hz;
    }

    private static double idleArrivals(Configuration conf) {
        double value = conf.get(BATCH_IDLE_ARRIVALS);
        if (!(value >= 0)) {
            throw invalid(BATCH_IDLE_ARRIVALS.key(), value, "a number >= 0 (0 always waits)");
        }
        return value;
    }

    private static Map<String, String> clientProperties(Configuration conf) {
        Map<String, String> props = new TreeMap<>();
        conf.toMap()
                .forEach(
                        (key, value) -> {
                            if (key.startsWith(KAFKA_CLIENT_PREFIX)) {
                                props.put(key.substring(KAFKA_CLIENT_PREFIX.length()), value);
                            }
                        });
        return Map.copyOf(props);
    }

    private static int atLeast(
            Configuration conf,
            org.apache.flink.configuration.ConfigOption<Integer> option,
            int min) {
        int value = conf.get(option);
        if (value < min) {
            throw invalid(option.key(), value, "at least " + min);
        }
        return value;
    }

    private static Duration positive(
            Configuration conf, org.apache.flink.configuration.ConfigOption<Duration> option) {
        Duration value = conf.get(option);
        if (value.isZero() || value.isNegative()) {
            throw invalid(option.key(), value, "a positive duration such as 50 ms or 2 min");
        }
        return value;
    }

    private static String nonBlank(Configuration conf, String key, String value) {
        if (value == null || value.isBlank()) {
            throw invalid(key, value, "a non-empty value");
        }
        return value.trim();
    }

    private static IllegalArgumentException invalid(String key, Object value, String expected) {
        return new IllegalArgumentException(
                "Invalid setting " + key + "=" + value + ": expected " + expected + ".");
    }
}
