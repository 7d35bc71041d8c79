package io.tandem.job;

import io.tandem.job.config.ConfigFiles;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemHome;
import io.tandem.job.config.TandemOptions;
import io.tandem.udfs.ModelEngine;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * The job settings every command that runs the job accepts. Precedence: built-in defaults, then the
 * config file, then {@code --set}, then the dedicated flags.
 */
public final class JobOptions {

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "YAML file of tandem.* settings (flat or nested keys).")
    Path configFile;

    @Option(
            names = "--set",
            paramLabel = "KEY=VALUE",
            description = "Any setting, e.g. --set tandem.batch.max-size=16. Repeatable.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (tandem.kafka.bootstrap-servers).")
    String bootstrap;

    @Option(
            names = "--requests-topic",
            paramLabel = "TOPIC",
            description = "Topic to read requests from.")
    String requestsTopic;

    @Option(
            names = "--results-topic",
            paramLabel = "TOPIC",
            description = "Topic to write results to.")
    String resultsTopic;

    @Option(
            names = "--dead-letter-topic",
            paramLabel = "TOPIC",
            description = "Topic to write dead letters to.")
    String deadLetterTopic;

    @Option(
            names = "--model-dir",
            paramLabel = "DIR",
            description = "Model directory (config.json, model.safetensors, tokenizer.json).")
    Path modelDir;

    @Option(
            names = "--draft-dir",
            paramLabel = "DIR",
            description =
                    "Draft model directory; speculative decoding with the target (--model-dir).")
    Path draftDir;

    @Option(
            names = "--mode",
            paramLabel = "MODE",
            description = "Serving mode: sd, sd-fixed or ad (tandem.mode).")
    String mode;

    @Option(
            names = "--speculation-length",
            paramLabel = "N",
            description = "Tokens drafted per round, γ (tandem.speculation.length).")
    Integer speculationLength;

    @Option(names = "--parallelism", paramLabel = "N", description = "Operator parallelism.")
    Integer parallelism;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            description = "Largest batch (tandem.batch.max-size).")
    Integer batchSize;

    @Option(
            names = "--max-wait",
            paramLabel = "DURATION",
            description = "Longest a batch waits to fill, e.g. 50ms (tandem.batch.max-wait).")
    String maxWait;

    /** The servers given with {@code --bootstrap}, or null. */
    public String bootstrap() {
        return bootstrap;
    }

    /** The mode given with {@code --mode}, or null. */
    public String mode() {
        return mode;
    }

    /**
     * Resolves the settings; {@code base} holds command-specific defaults that the user may
     * override.
     */
    public JobConfig resolve(Map<String, String> base) {
        return resolve(base, Map.of());
    }

    /**
     * Resolves the settings as {@link #resolve(Map)} does, then applies {@code owned}: settings the
     * command chooses itself whatever the user passed (a benchmark's mode and topics per run).
     */
    public JobConfig resolve(Map<String, String> base, Map<String, String> owned) {
        Map<String, String> overrides = new LinkedHashMap<>(settings);
        put(overrides, TandemOptions.BOOTSTRAP_SERVERS.key(), bootstrap);
        put(overrides, TandemOptions.REQUESTS_TOPIC.key(), requestsTopic);
        put(overrides, TandemOptions.RESULTS_TOPIC.key(), resultsTopic);
        put(overrides, TandemOptions.DEAD_LETTER_TOPIC.key(), deadLetterTopic);
        put(overrides, TandemOptions.MODEL_DIR.key(), modelDir);
        put(overrides, TandemOptions.DRAFT_MODEL_DIR.key(), draftDir);
        put(overrides, TandemOptions.MODE.key(), mode);
        put(overrides, TandemOptions.SPECULATION_LENGTH.key(), speculationLength);
        put(overrides, TandemOptions.PARALLELISM.key(), parallelism);
        put(overrides, TandemOptions.BATCH_MAX_SIZE.key(), batchSize);
        put(overrides, TandemOptions.BATCH_MAX_WAIT.key(), maxWait);
        Map<String, String> merged = new LinkedHashMap<>(base);
        if (configFile != null) {
            merged.putAll(ConfigFiles.read(configFile));
        }
        merged.putAll(overrides);
        merged.putAll(owned);
        String modelDir =
                merged.getOrDefault(
                        TandemOptions.MODEL_DIR.key(), TandemOptions.MODEL_DIR.defaultValue());
        merged.put(TandemOptions.MODEL_DIR.key(), absolute(modelDir));
        String draftDir =
                merged.getOrDefault(
                        TandemOptions.DRAFT_MODEL_DIR.key(),
                        TandemOptions.DRAFT_MODEL_DIR.defaultValue());
        if (!draftDir.isBlank()) {
            merged.put(TandemOptions.DRAFT_MODEL_DIR.key(), absolute(draftDir));
        }
        // emulated stages without a planner profile of their own plan with the one they emulate
        boolean emulated =
                ModelEngine.EMULATED.equals(merged.get(TandemOptions.MODEL_ENGINE.key()));
        if (merged.containsKey(TandemOptions.PLANNER_PROFILE.key()) || !emulated) {
            merged.put(
                    TandemOptions.PLANNER_PROFILE.key(),
                    absolute(
                            merged.getOrDefault(
                                    TandemOptions.PLANNER_PROFILE.key(),
                                    TandemOptions.PLANNER_PROFILE.defaultValue())));
        }
        String modelProfile = merged.get(TandemOptions.MODEL_PROFILE.key());
        if (modelProfile != null && !modelProfile.isBlank()) {
            merged.put(TandemOptions.MODEL_PROFILE.key(), absolute(modelProfile));
        }
        return JobConfig.from(Configuration.fromMap(merged));
    }

    /**
     * Makes a relative model path absolute, so subtasks find it whatever their working directory:
     * relative to the current directory if it exists there, else to the Tandem checkout the CLI
     * runs from (where the bundled models and their profile live).
     */
    private static String absolute(String dir) {
        return TandemHome.resolve(Path.of(dir)).toAbsolutePath().normalize().toString();
    }

    private static void put(Map<String, String> map, String key, Object value) {
        if (value != null) {
            map.put(key, value.toString());
        }
    }

    /**
     * Demo-style defaults for commands that run on a laptop: no checkpoints, short batching wait.
     */
    public static Map<String, String> localDefaults() {
        Map<String, String> base = new LinkedHashMap<>();
        base.put(TandemOptions.CHECKPOINT_INTERVAL.key(), "0 ms");
        return base;
    }
}
