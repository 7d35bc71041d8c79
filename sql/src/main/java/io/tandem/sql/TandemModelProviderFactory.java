package io.tandem.sql;

import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ServingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedCatalogModel;
import org.apache.flink.table.factories.FactoryUtil;
import org.apache.flink.table.factories.ModelProviderFactory;
import org.apache.flink.table.ml.AsyncPredictRuntimeProvider;
import org.apache.flink.table.ml.ModelProvider;
import org.apache.flink.table.types.logical.LogicalTypeRoot;

/**
 * The {@code tandem} model provider of Flink SQL's {@code ML_PREDICT}: a model of one {@code
 * STRING} input (the prompt) whose output columns are any of {@link OutputColumn}'s, served by a
 * draft/target pair with speculative decoding in the TaskManager that runs the query, concurrent
 * rows batched into shared model calls ({@link TandemPredictFunction}).
 *
 * <pre>{@code
 * CREATE MODEL austen
 *   INPUT (prompt STRING)
 *   OUTPUT (completion STRING, finish_reason STRING, tokens INT)
 *   WITH ('provider' = 'tandem', 'target' = 'models/austen-target',
 *         'draft' = 'models/austen-draft', 'planner-profile' = 'models/austen-pair-profile.json');
 * SELECT * FROM ML_PREDICT(TABLE prompts, MODEL austen, DESCRIPTOR(prompt));
 * }</pre>
 */
public final class TandemModelProviderFactory implements ModelProviderFactory {

    public static final String IDENTIFIER = "tandem";

    public static final ConfigOption<String> TARGET =
            ConfigOptions.key("target")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Directory of the target model (as ./tandem train writes).");

    public static final ConfigOption<String> DRAFT =
            ConfigOptions.key("draft")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Directory of the draft model; needed in modes sd and sd-fixed.");

    public static final ConfigOption<String> MODE =
            ConfigOptions.key("mode")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "sd (lengths chosen per round from the pair's profile), sd-fixed"
                                    + " (speculation-length every round) or ad (the target"
                                    + " alone); sd when a draft is set, else ad.");

    public static final ConfigOption<String> PLANNER_PROFILE =
            ConfigOptions.key("planner-profile")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The pair's measured profile (./tandem bench models --json) that"
                                    + " mode sd chooses lengths with; needed in mode sd.");

    public static final ConfigOption<Integer> SPECULATION_LENGTH =
            ConfigOptions.key("speculation-length")
                    .intType()
                    .defaultValue(4)
                    .withDescription("Tokens drafted per round in mode sd-fixed, 1 to 8.");

    public static final ConfigOption<Integer> MAX_NEW_TOKENS =
            ConfigOptions.key("max-new-tokens")
                    .intType()
                    .defaultValue(64)
                    .withDescription("Tokens generated per row at most.");

    public static final ConfigOption<Integer> MAX_PROMPT_TOKENS =
            ConfigOptions.key("max-prompt-tokens")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Longest prompt a row may have, in tokens; by default what the"
                                    + " models' context leaves after max-new-tokens.");

    public static final ConfigOption<Double> TEMPERATURE =
            ConfigOptions.key("temperature")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription("Sampling temperature; 0 decodes greedily.");

    public static final ConfigOption<Double> TOP_P =
            ConfigOptions.key("top-p")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription("Nucleus sampling mass, in (0, 1].");

    public static final ConfigOption<Long> SEED =
            ConfigOptions.key("seed")
                    .longType()
                    .defaultValue(0L)
                    .withDescription("Sampling seed; rows with the same prompt sample the same.");

    public static final ConfigOption<Integer> MAX_BATCH_SIZE =
            ConfigOptions.key("max-batch-size")
                    .intType()
                    .defaultValue(32)
                    .withDescription(
                            "Rows decoded together at most, per TaskManager. Rows in flight are"
                                    + " bounded by ML_PREDICT's max-concurrent-operations per"
                                    + " subtask, so raise that too.");

    public static final ConfigOption<Integer> THREADS =
            ConfigOptions.key("threads")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "PyTorch threads of the model's calls (one worker per TaskManager"
                                    + " makes them); by default the TaskManager's"
                                    + " -Dai.djl.pytorch.num_threads, or its cores. Big batches"
                                    + " use more threads well, single rows do not.");

    public static final ConfigOption<String> ENGINE =
            ConfigOptions.key("engine")
                    .stringType()
                    .defaultValue("djl")
                    .withDescription(
                            "djl (the real models) or emulated: for benchmarks only, both stages"
                                    + " take the times of stage-profile and yield synthetic"
                                    + " tokens, with the target directory's tokenizer.");

    public static final ConfigOption<String> STAGE_PROFILE =
            ConfigOptions.key("stage-profile")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The GPU stage profile (profiles/*.json) that engine emulated takes"
                                    + " its times from; also mode sd's planner-profile unless"
                                    + " that is set.");

    public static final ConfigOption<String> ERROR_HANDLING =
            ConfigOptions.key("error-handling-strategy")
                    .stringType()
                    .defaultValue("ignore")
                    .withDescription(
                            "A row that cannot be served (empty or too long a prompt) where the"
                                    + " model has no error column: ignore (dropped, logged) or"
                                    + " failover (the job fails).");

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(TARGET);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                DRAFT,
                MODE,
                PLANNER_PROFILE,
                SPECULATION_LENGTH,
                MAX_NEW_TOKENS,
                MAX_PROMPT_TOKENS,
                TEMPERATURE,
                TOP_P,
                SEED,
                MAX_BATCH_SIZE,
                THREADS,
                ENGINE,
                STAGE_PROFILE,
                ERROR_HANDLING);
    }

    @Override
    public ModelProvider createModelProvider(Context context) {
        FactoryUtil.ModelProviderFactoryHelper helper =
                FactoryUtil.createModelProviderFactoryHelper(this, context);
        helper.validate();
        ModelSettings settings =
                settings(helper.getOptions(), context.getCatalogModel(), model(context));
        return new Provider(settings);
    }

    /** Checks the options and schemas of a model; messages name the model, the key and why. */
    static ModelSettings settings(
            ReadableConfig options, ResolvedCatalogModel model, String modelName) {
        List<Column> inputs = model.getResolvedInputSchema().getColumns();
        if (inputs.size() != 1 || !isString(inputs.get(0))) {
            throw new ValidationException(
                    "Model "
                            + modelName
                            + " must have one STRING input, the prompt; it has "
                            + model.getResolvedInputSchema());
        }
        List<OutputColumn> outputs = new ArrayList<>();
        for (Column column : model.getResolvedOutputSchema().getColumns()) {
            OutputColumn known = OutputColumn.named(column.getName());
            if (known == null
                    || column.getDataType().getLogicalType().getTypeRoot() != known.type()) {
                throw new ValidationException(
                        "Model "
                                + modelName
                                + " has output column "
                                + column
                                + "; a tandem model's outputs are any of: "
                                + OutputColumn.described());
            }
            outputs.add(known);
        }
        ModelEngine engine = engine(options, modelName);
        String stageProfile = engine.profile();
        // emulated stages need no draft directory: the draft is the profile's
        String draft =
                options.getOptional(DRAFT)
                        .orElse(stageProfile == null ? null : options.get(TARGET));
        ServingMode mode = mode(options, draft, modelName);
        String profile = options.getOptional(PLANNER_PROFILE).orElse(stageProfile);
        if (mode == ServingMode.SD && profile == null) {
            throw invalid(
                    modelName,
                    PLANNER_PROFILE,
                    null,
                    "needed in mode sd: the pair's profile from ./tandem bench models --json");
        }
        if (mode.speculative() && draft == null) {
            throw invalid(
                    modelName, DRAFT, null, "needed in mode " + mode.label() + ", or use mode ad");
        }
        int length = options.get(SPECULATION_LENGTH);
        if (length < 1 || length > 8) {
            throw invalid(modelName, SPECULATION_LENGTH, length, "between 1 and 8");
        }
        int maxNew = options.get(MAX_NEW_TOKENS);
        if (maxNew < 1) {
            throw invalid(modelName, MAX_NEW_TOKENS, maxNew, "at least 1");
        }
        int maxPrompt = options.getOptional(MAX_PROMPT_TOKENS).orElse(Integer.MAX_VALUE);
        if (maxPrompt < 1) {
            throw invalid(modelName, MAX_PROMPT_TOKENS, maxPrompt, "at least 1");
        }
        double temperature = options.get(TEMPERATURE);
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw invalid(modelName, TEMPERATURE, temperature, "0 (greedy) or more");
        }
        double topP = options.get(TOP_P);
        if (!(topP > 0 && topP <= 1)) {
            throw invalid(modelName, TOP_P, topP, "in (0, 1]");
        }
        int maxBatch = options.get(MAX_BATCH_SIZE);
        if (maxBatch < 1) {
            throw invalid(modelName, MAX_BATCH_SIZE, maxBatch, "at least 1");
        }
        int threads = options.getOptional(THREADS).orElse(0);
        if (options.getOptional(THREADS).isPresent() && threads < 1) {
            throw invalid(modelName, THREADS, threads, "at least 1");
        }
        return new ModelSettings(
                new ModelSettings.Serving(
                        options.get(TARGET),
                        mode.speculative() ? draft : null,
                        mode,
                        mode == ServingMode.SD ? profile : null,
                        length,
                        maxNew,
                        maxBatch,
                        threads,
                        engine),
                maxPrompt,
                temperature,
                topP,
                options.get(SEED),
                errorHandling(options, modelName),
                outputs);
    }

    private static ServingMode mode(ReadableConfig options, String draft, String modelName) {
        String label = options.getOptional(MODE).orElse(draft == null ? "ad" : "sd");
        ServingMode mode = ServingMode.of(label.trim().toLowerCase(Locale.ROOT));
        if (mode == null) {
            throw invalid(modelName, MODE, label, "sd, sd-fixed or ad");
        }
        return mode;
    }

    /** The real models, or stages emulated from the stage profile. */
    private static ModelEngine engine(ReadableConfig options, String modelName) {
        String engine = options.get(ENGINE).trim().toLowerCase(Locale.ROOT);
        String profile = options.getOptional(STAGE_PROFILE).orElse(null);
        switch (engine) {
            case ModelEngine.DJL_NAME:
                if (profile != null) {
                    throw invalid(
                            modelName, STAGE_PROFILE, profile, "unset unless engine is emulated");
                }
                return ModelEngine.DJL;
            case ModelEngine.EMULATED:
                if (profile == null) {
                    throw invalid(
                            modelName,
                            STAGE_PROFILE,
                            null,
                            "set with engine emulated, e.g. to profiles/h200-68m-7b.json");
                }
                return new ModelEngine(profile, null);
            default:
                throw invalid(modelName, ENGINE, engine, "djl or emulated");
        }
    }

    private static ModelSettings.ErrorHandling errorHandling(
            ReadableConfig options, String modelName) {
        String value = options.get(ERROR_HANDLING);
        try {
            return ModelSettings.ErrorHandling.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw invalid(modelName, ERROR_HANDLING, value, "ignore or failover");
        }
    }

    private static boolean isString(Column column) {
        LogicalTypeRoot root = column.getDataType().getLogicalType().getTypeRoot();
        return root == LogicalTypeRoot.VARCHAR || root == LogicalTypeRoot.CHAR;
    }

    private static ValidationException invalid(
            String modelName, ConfigOption<?> option, Object value, String allowed) {
        return new ValidationException(
                "Model "
                        + modelName
                        + ": option '"
                        + option.key()
                        + "' is "
                        + (value == null ? "not set" : "'" + value + "'")
                        + "; it must be "
                        + allowed
                        + ".");
    }

    private static String model(Context context) {
        return context.getObjectIdentifier().asSummaryString();
    }

    /** Hands each ML_PREDICT call a function of its own over the model's settings. */
    private record Provider(ModelSettings settings) implements AsyncPredictRuntimeProvider {

        @Override
        public TandemPredictFunction createAsyncPredictFunction(Context context) {
            return new TandemPredictFunction(settings);
        }

        @Override
        public ModelProvider copy() {
            return new Provider(settings);
        }
    }
}
