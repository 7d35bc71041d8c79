package io.tandem.job.config;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.DeliveryGuarantee;

/**
 * Every setting of a Tandem job, in one place. Keys are {@code tandem.<area>.<name>}; the README's
 * configuration reference lists them (a test keeps the two in step). Values come from a YAML config
 * file, then CLI flags, then these defaults.
 */
public final class TandemOptions {

    private TandemOptions() {}

    // ---- Kafka ----

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            ConfigOptions.key("tandem.kafka.bootstrap-servers")
                    .stringType()
                    .defaultValue("localhost:9092")
                    .withDescription("Kafka bootstrap servers, host:port[,host:port...].");

    public static final ConfigOption<String> REQUESTS_TOPIC =
            ConfigOptions.key("tandem.kafka.requests-topic")
                    .stringType()
                    .defaultValue("tandem-requests")
                    .withDescription(
                            "Topic of InferenceRequest records (Avro binary, no framing).");

    public static final ConfigOption<String> RESULTS_TOPIC =
            ConfigOptions.key("tandem.kafka.results-topic")
                    .stringType()
                    .defaultValue("tandem-results")
                    .withDescription(
                            "Topic the InferenceResult records go to, keyed by request id.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC =
            ConfigOptions.key("tandem.kafka.dead-letter-topic")
                    .stringType()
                    .defaultValue("tandem-dead-letters")
                    .withDescription("Topic the DeadLetter records of rejected input go to.");

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("tandem.kafka.group-id")
                    .stringType()
                    .defaultValue("tandem")
                    .withDescription(
                            "Consumer group of the requests source; offsets are committed on"
                                    + " checkpoints.");

    public static final ConfigOption<Boolean> CREATE_TOPICS =
            ConfigOptions.key("tandem.kafka.create-topics")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Create missing topics at start-up (existing topics are left as they"
                                    + " are).");

    public static final ConfigOption<Integer> TOPIC_PARTITIONS =
            ConfigOptions.key("tandem.kafka.topic-partitions")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Partitions of topics Tandem creates.");

    public static final ConfigOption<Integer> TOPIC_REPLICATION =
            ConfigOptions.key("tandem.kafka.topic-replication")
                    .intType()
                    .defaultValue(-1)
                    .withDescription(
                            "Replication factor of topics Tandem creates; -1 takes min(3,"
                                    + " brokers).");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
            ConfigOptions.key("tandem.kafka.delivery-guarantee")
                    .enumType(DeliveryGuarantee.class)
                    .defaultValue(DeliveryGuarantee.AT_LEAST_ONCE)
                    .withDescription(
                            "Guarantee of the result and dead-letter sinks. at-least-once writes"
                                    + " each record at once; after a failover a request finished"
                                    + " since the last checkpoint is answered again (treat results"
                                    + " as upserts by request id). exactly-once writes in Kafka"
                                    + " transactions committed with each checkpoint:"
                                    + " read_committed consumers see each result once, up to a"
                                    + " checkpoint interval later.");

    // ---- Batching ----

    public static final ConfigOption<Integer> BATCH_MAX_SIZE =
            ConfigOptions.key("tandem.batch.max-size")
                    .intType()
                    .defaultValue(8)
                    .withDescription(
                            "A batch (in mode sd, a planning window) closes when it holds this"
                                    + " many requests.");

    public static final ConfigOption<Duration> BATCH_MAX_WAIT =
            ConfigOptions.key("tandem.batch.max-wait")
                    .durationType()
                    .defaultValue(Duration.ofMillis(50))
                    .withDescription(
                            "A batch closes this long after its first request arrived, full or"
                                    + " not.");

    public static final ConfigOption<Double> BATCH_IDLE_ARRIVALS =
            ConfigOptions.key("tandem.batch.idle-arrivals")
                    .doubleType()
                    .defaultValue(0.5)
                    .withDescription(
                            "A window closes as soon as it opens when its lane expects fewer than"
                                    + " this many requests within max-wait (from the recent gaps"
                                    + " between requests): at low load waiting only adds latency."
                                    + " 0 always waits.");

    public static final ConfigOption<Integer> BATCH_LANES =
            ConfigOptions.key("tandem.batch.lanes")
                    .intType()
                    .defaultValue(-1)
                    .withDescription(
                            "Independent batching lanes (requests are spread by id); -1 takes the"
                                    + " parallelism.");

    // ---- Model and generation ----

    public static final ConfigOption<String> MODE =
            ConfigOptions.key("tandem.mode")
                    .stringType()
                    .defaultValue("sd")
                    .withDescription(
                            "Serving mode: sd (speculative; the planner splits each window into"
                                    + " batches and chooses their speculation lengths), sd-fixed"
                                    + " (speculative with one batch per window and"
                                    + " tandem.speculation.length), ad (the target model alone).");

    public static final ConfigOption<String> PLANNER_PROFILE =
            ConfigOptions.key("tandem.planner.profile")
                    .stringType()
                    .defaultValue("models/austen-pair-profile.json")
                    .withDescription(
                            "Measured profile of the draft/target pair the planner takes stage"
                                + " times and acceptance from in mode sd: the JSON of ./tandem"
                                + " bench models, or a stage profile such as"
                                + " profiles/h200-68m-7b.json; must exist on every TaskManager.");

    public static final ConfigOption<String> MODEL_DIR =
            ConfigOptions.key("tandem.model.dir")
                    .stringType()
                    .defaultValue("models/austen-target")
                    .withDescription(
                            "Hugging Face-style model directory (config.json, model.safetensors,"
                                    + " tokenizer.json); must exist at this path on every"
                                    + " TaskManager.");

    public static final ConfigOption<String> MODEL_ENGINE =
            ConfigOptions.key("tandem.model.engine")
                    .stringType()
                    .defaultValue("djl")
                    .withDescription(
                            "What runs the model stages: djl (the models of tandem.model.dir and"
                                + " tandem.model.draft-dir, on DJL) or emulated (stages that take"
                                + " the times of tandem.model.profile without computing; a"
                                + " benchmark tool for GPU stage times and cluster scale).");

    public static final ConfigOption<String> MODEL_DEVICE =
            ConfigOptions.key("tandem.model.device")
                    .stringType()
                    .defaultValue("cpu")
                    .withDescription(
                            "Where the target model computes with tandem.model.engine djl: cpu, gpu"
                                    + " (the first GPU) or gpu:N. A GPU also makes the verify slot"
                                    + " sharing group ask for one of Flink's external resource"
                                    + " gpu (declare it on the verify TaskManagers), and needs"
                                    + " tandem.verify.cpu-cores and tandem.verify.task-heap. A"
                                    + " TaskManager where PyTorch sees no such GPU fails the"
                                    + " verify stage at start, saying so.");

    public static final ConfigOption<String> DRAFT_MODEL_DEVICE =
            ConfigOptions.key("tandem.model.draft-device")
                    .stringType()
                    .defaultValue("cpu")
                    .withDescription(
                            "Where the draft model computes: cpu, gpu or gpu:N, as"
                                    + " tandem.model.device is for the target (a GPU asks for the"
                                    + " external resource gpu in the draft slot sharing group).");

    public static final ConfigOption<String> MODEL_PROFILE =
            ConfigOptions.key("tandem.model.profile")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Stage profile the emulated engine takes its times from, e.g."
                                    + " profiles/h200-68m-7b.json; the planner plans with it too"
                                    + " unless tandem.planner.profile is set. Required with"
                                    + " tandem.model.engine: emulated; must exist on every"
                                    + " TaskManager.");

    public static final ConfigOption<List<Double>> MODEL_ACCEPTANCE =
            ConfigOptions.key("tandem.model.acceptance")
                    .doubleType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "The emulated draft's acceptance: one rate for every draft position,"
                                    + " or one per position (e.g. 0.9;0.8;0.7, the last repeated"
                                    + " beyond). Default: the profile's alpha.");

    public static final ConfigOption<String> DRAFT_MODEL_DIR =
            ConfigOptions.key("tandem.model.draft-dir")
                    .stringType()
                    .defaultValue("models/austen-draft")
                    .withDescription(
                            "Draft model directory for speculative decoding (modes sd and"
                                    + " sd-fixed; mode ad ignores it). Must exist on every"
                                    + " TaskManager.");

    public static final ConfigOption<Integer> SPECULATION_LENGTH =
            ConfigOptions.key("tandem.speculation.length")
                    .intType()
                    .defaultValue(4)
                    .withDescription(
                            "Tokens the draft model proposes per round (γ) in mode sd-fixed.");

    public static final ConfigOption<Integer> GENERATE_CAPACITY =
            ConfigOptions.key("tandem.generate.capacity")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "Batches in flight per draft and per verify subtask (async operator"
                                    + " capacity); at least tandem.generate.max-batches-in-flight,"
                                    + " so that the loop head never blocks on a full draft stage"
                                    + " (batches wait in the stage's queue instead, where the wait"
                                    + " is measured as such).");

    public static final ConfigOption<Double> UPLINK_BANDWIDTH_HZ =
            ConfigOptions.key("tandem.wireless.uplink-bandwidth-hz")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription(
                            "Wireless mode: the uplink band in Hz that the requests of a window"
                                    + " share. Requests that carry uplink.snrDb get the share that"
                                    + " makes every prompt's upload end together and soonest (32"
                                    + " bits per token); each result records its share and the"
                                    + " modelled upload time. 0 turns wireless mode off.");

    public static final ConfigOption<Integer> MAX_BATCHES_IN_FLIGHT =
            ConfigOptions.key("tandem.generate.max-batches-in-flight")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "Batches a loop head subtask keeps going around the round loop at"
                                    + " once; windows that close meanwhile wait their turn (see"
                                    + " tandem.generate.max-waiting-requests).");

    public static final ConfigOption<Integer> MAX_BATCH_SIZE =
            ConfigOptions.key("tandem.generate.max-batch-size")
                    .intType()
                    .defaultValue(16)
                    .withDescription(
                            "Most requests one batch holds. Requests join a running batch at the"
                                    + " loop head between its rounds (iteration-level admission)"
                                    + " while it has room, instead of waiting for a batch of their"
                                    + " own; a batch never grows past this or"
                                    + " tandem.generate.max-batch-tokens. 1 turns joining off."
                                    + " Joining is off in wireless mode, where a window shares one"
                                    + " uplink band.");

    public static final ConfigOption<Integer> MAX_BATCH_TOKENS =
            ConfigOptions.key("tandem.generate.max-batch-tokens")
                    .intType()
                    .defaultValue(8192)
                    .withDescription(
                            "KV-cache budget of one batch: the sum over its requests of prompt"
                                    + " tokens plus maxNewTokens. A request joins a running batch"
                                    + " only if the batch stays within it.");

    public static final ConfigOption<Integer> MAX_WAITING_REQUESTS =
            ConfigOptions.key("tandem.generate.max-waiting-requests")
                    .intType()
                    .defaultValue(1024)
                    .withDescription(
                            "Requests a loop head subtask keeps waiting, in checkpointed state,"
                                    + " while tandem.generate.max-batches-in-flight batches run;"
                                    + " each waiting window starts when a batch finishes. Past"
                                    + " it the head stops taking windows, so the job reads"
                                    + " requests more slowly, and a checkpoint barrier waits"
                                    + " with the input until a batch finishes. 0 never holds a"
                                    + " window back: the head stops at once.");

    public static final ConfigOption<Integer> MAX_WAITING_PER_TENANT =
            ConfigOptions.key("tandem.generate.max-waiting-per-tenant")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Requests of one tenant (the request's tenantId) a loop head subtask"
                                    + " keeps waiting; past it the tenant's further requests are"
                                    + " dead-lettered as OVERLOADED until its queue drains."
                                    + " Tenants' queues are served in turn whatever the bound."
                                    + " Keep it well below tandem.generate.max-waiting-requests,"
                                    + " or one tenant's burst fills the head and holds everyone's"
                                    + " input back. 0 bounds no tenant.");

    public static final ConfigOption<Integer> MAX_RUNNING_PER_TENANT =
            ConfigOptions.key("tandem.generate.max-running-per-tenant")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Requests of one tenant (the request's tenantId) a loop head subtask"
                                    + " runs at once in its batches; the tenant's further requests"
                                    + " wait in its queue, while other tenants' requests start and"
                                    + " join batches. On workers whose every batched request costs"
                                    + " compute (CPUs), this bound, not the waiting one, keeps one"
                                    + " tenant's burst from slowing another tenant's rounds. 0"
                                    + " bounds no tenant.");

    public static final ConfigOption<Duration> GENERATE_TIMEOUT =
            ConfigOptions.key("tandem.generate.timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(2))
                    .withDescription(
                            "A verification round that has waited this long for its model worker"
                                    + " (a backlog) ends its batch's requests with finish reason"
                                    + " ERROR; a draft round that waited this long is verified"
                                    + " without drafts. A round that has started is bounded by"
                                    + " tandem.model.call-timeout instead.");

    public static final ConfigOption<Duration> MODEL_CALL_TIMEOUT =
            ConfigOptions.key("tandem.model.call-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(1))
                    .withDescription(
                            "The longest one draft or verify model call may run. A call past it"
                                    + " (a hung native call) is left behind: its batches are"
                                    + " failed (verify: finish reason ERROR; draft: verified"
                                    + " without drafts), and a new worker with new KV sessions"
                                    + " serves the rest. More than two calls stuck at once fail"
                                    + " the task, which restarts from the last checkpoint.");

    // ---- Placement (fine-grained resource management) ----

    public static final ConfigOption<Double> INGEST_CPU_CORES =
            ConfigOptions.key("tandem.ingest.cpu-cores")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription(
                            "CPU cores the ingest slot sharing group (source, decode, batching)"
                                    + " asks for per subtask. Required when the draft or verify"
                                    + " group declares resources: Flink may hand a group that"
                                    + " declares none a slot sized for another, which then waits"
                                    + " for a slot forever. 0 declares no resources.");

    public static final ConfigOption<MemorySize> INGEST_TASK_HEAP =
            ConfigOptions.key("tandem.ingest.task-heap")
                    .memoryType()
                    .defaultValue(MemorySize.ZERO)
                    .withDescription(
                            "Task heap the ingest slot sharing group asks for per subtask, e.g."
                                    + " 64 mb. 0 declares no resources.");

    public static final ConfigOption<Double> DRAFT_CPU_CORES =
            ConfigOptions.key("tandem.draft.cpu-cores")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription(
                            "CPU cores the draft slot sharing group (loop head, draft, loop tail)"
                                    + " asks for per subtask; with tandem.draft.task-heap it"
                                    + " places drafting on TaskManagers that have them (Flink"
                                    + " gives a slot sharing group that declares resources a"
                                    + " slot cut to fit). 0"
                                    + " declares no resources.");

    public static final ConfigOption<MemorySize> DRAFT_TASK_HEAP =
            ConfigOptions.key("tandem.draft.task-heap")
                    .memoryType()
                    .defaultValue(MemorySize.ZERO)
                    .withDescription(
                            "Task heap the draft slot sharing group asks for per subtask, e.g."
                                    + " 192 mb. 0 declares no resources.");

    public static final ConfigOption<Double> VERIFY_CPU_CORES =
            ConfigOptions.key("tandem.verify.cpu-cores")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription(
                            "CPU cores the verify slot sharing group (the target model) asks for"
                                    + " per subtask. 0 declares no resources.");

    public static final ConfigOption<MemorySize> VERIFY_TASK_HEAP =
            ConfigOptions.key("tandem.verify.task-heap")
                    .memoryType()
                    .defaultValue(MemorySize.ZERO)
                    .withDescription(
                            "Task heap the verify slot sharing group asks for per subtask, e.g."
                                    + " 384 mb; size it so that only the big TaskManagers fit it."
                                    + " 0 declares no resources.");

    // ---- Limits (violations go to the dead-letter topic) ----

    public static final ConfigOption<Integer> MAX_PROMPT_TOKENS =
            ConfigOptions.key("tandem.limits.max-prompt-tokens")
                    .intType()
                    .defaultValue(4096)
                    .withDescription(
                            "Longest accepted prompt in tokens (the model's context caps it"
                                    + " further).");

    public static final ConfigOption<Integer> MAX_NEW_TOKENS =
            ConfigOptions.key("tandem.limits.max-new-tokens")
                    .intType()
                    .defaultValue(1024)
                    .withDescription("Largest accepted maxNewTokens.");

    public static final ConfigOption<Integer> MAX_RECORD_BYTES =
            ConfigOptions.key("tandem.limits.max-record-bytes")
                    .intType()
                    .defaultValue(1 << 20)
                    .withDescription(
                            "Largest accepted request record, in bytes, checked before decoding.");

    public static final ConfigOption<Float> MAX_TEMPERATURE =
            ConfigOptions.key("tandem.limits.max-temperature")
                    .floatType()
                    .defaultValue(5.0f)
                    .withDescription("Largest accepted sampling temperature.");

    // ---- Runtime ----

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("tandem.parallelism")
                    .intType()
                    .defaultValue(2)
                    .withDescription("Parallelism of the job's operators.");

    public static final ConfigOption<Integer> MAX_PARALLELISM =
            ConfigOptions.key("tandem.max-parallelism")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "Upper bound of rescaling (number of key groups); fixed once a job has"
                                    + " state.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("tandem.checkpoint.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription("Checkpoint interval; 0 disables checkpointing.");

    public static final ConfigOption<Duration> BUFFER_TIMEOUT =
            ConfigOptions.key("tandem.network.buffer-timeout")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "Network buffer flush timeout; 0 flushes every record, which suits a"
                                    + " latency-bound job.");
}
