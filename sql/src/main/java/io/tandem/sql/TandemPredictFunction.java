package io.tandem.sql;

import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.udfs.LogThrottle;
import io.tandem.udfs.SpeculativeGeneration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.table.api.TableException;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ML_PREDICT} over a {@code tandem} model: each row's prompt is tokenized, checked, and
 * handed to the TaskManager's shared {@link io.tandem.udfs.BatchingGenerator}, where it joins the
 * rows already decoding; its future completes with the model's output columns when its sequence
 * finishes. ML_PREDICT keeps up to {@code max-concurrent-operations} rows of a subtask in flight,
 * which is what there is to batch.
 *
 * <p>A row that cannot be served (null, empty or too long a prompt) gets its reason in the {@code
 * error} column if the model has one; otherwise it is dropped with a log line ({@code ignore}) or
 * fails the job ({@code failover}). A model failure fails the job.
 *
 * <p>Public because the planner's generated code names it.
 */
public final class TandemPredictFunction extends AsyncPredictFunction {

    private static final Logger LOG = LoggerFactory.getLogger(TandemPredictFunction.class);

    // model sessions are keyed by id, across every subtask that shares a generator
    private static final AtomicLong ROWS = new AtomicLong();

    private final ModelSettings settings;
    private transient SharedGenerators.Served served;
    private transient SamplingConfig sampling;
    private transient int maxPromptTokens;
    private transient LogThrottle errorLog;
    private transient Counter rowsServed;
    private transient Counter rowsFailed;

    TandemPredictFunction(ModelSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        super.open(context);
        served = SharedGenerators.acquire(settings.serving());
        sampling =
                settings.temperature() == 0
                        ? SamplingConfig.greedy()
                        : new SamplingConfig(
                                settings.temperature(), settings.topP(), settings.seed());
        maxPromptTokens =
                Math.min(
                        settings.maxPromptTokens(),
                        served.contextLength() - settings.serving().maxNewTokens());
        errorLog = new LogThrottle(1000);
        MetricGroup metrics = context.getMetricGroup().addGroup("tandem");
        rowsServed = metrics.counter("rowsServed");
        rowsFailed = metrics.counter("rowsFailed");
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        String prompt = input.isNullAt(0) ? null : input.getString(0).toString();
        if (prompt == null || prompt.isEmpty()) {
            return failed("the prompt is " + (prompt == null ? "null" : "empty"));
        }
        int[] tokens = served.target().tokenizer().encode(prompt);
        if (tokens.length > maxPromptTokens) {
            return failed(
                    "the prompt is "
                            + tokens.length
                            + " tokens; at most "
                            + maxPromptTokens
                            + " are allowed (the models' context "
                            + served.contextLength()
                            + " less max-new-tokens "
                            + settings.serving().maxNewTokens()
                            + ", or max-prompt-tokens)");
        }
        GenerationRequest request =
                new GenerationRequest(
                        "sql-" + ROWS.incrementAndGet(),
                        tokens,
                        settings.serving().maxNewTokens(),
                        sampling);
        return served.generator()
                .submit(request)
                .thenApply(
                        generation -> {
                            rowsServed.inc();
                            return (Collection<RowData>) List.of(row(generation, null));
                        });
    }

    /** The outcome of a row that cannot be served: as the model's error handling says. */
    private CompletableFuture<Collection<RowData>> failed(String reason) {
        rowsFailed.inc();
        if (settings.outputs().contains(OutputColumn.ERROR)) {
            return CompletableFuture.completedFuture(List.of(row(null, reason)));
        }
        if (settings.errorHandling() == ModelSettings.ErrorHandling.FAILOVER) {
            return CompletableFuture.failedFuture(
                    new CompletionException(
                            new TableException("A tandem model cannot serve a row: " + reason)));
        }
        // asyncPredict, and so this, runs on the task thread only
        long quiet = errorLog.quietSince(System.currentTimeMillis());
        if (quiet >= 0) {
            LOG.warn(
                    "Dropped a row the tandem model cannot serve: {}{}",
                    reason,
                    LogThrottle.heldBack(quiet));
        }
        return CompletableFuture.completedFuture(List.of());
    }

    /**
     * The model's output columns for {@code generation}, or for a row failed with {@code error}.
     */
    private RowData row(SpeculativeGeneration generation, String error) {
        List<OutputColumn> outputs = settings.outputs();
        GenericRowData row = new GenericRowData(outputs.size());
        for (int i = 0; i < outputs.size(); i++) {
            row.setField(
                    i,
                    generation == null
                            ? errorField(outputs.get(i), error)
                            : field(outputs.get(i), generation));
        }
        return row;
    }

    private static Object errorField(OutputColumn column, String error) {
        return column == OutputColumn.ERROR ? StringData.fromString(error) : null;
    }

    private Object field(OutputColumn column, SpeculativeGeneration served) {
        Generation generation = served.generation();
        return switch (column) {
            case COMPLETION ->
                    StringData.fromString(
                            this.served.target().tokenizer().decode(generation.tokens()));
            case FINISH_REASON -> StringData.fromString(generation.finishReason().name());
            case TOKENS -> generation.tokens().length;
            case ROUNDS -> served.rounds();
            case ACCEPTANCE ->
                    served.acceptance().totalDrafted() == 0
                            ? null
                            : (double) served.acceptance().totalAccepted()
                                    / served.acceptance().totalDrafted();
            case ERROR -> null;
        };
    }

    @Override
    public void close() throws Exception {
        if (served != null) {
            served = null;
            SharedGenerators.release(settings.serving());
        }
        super.close();
    }
}
