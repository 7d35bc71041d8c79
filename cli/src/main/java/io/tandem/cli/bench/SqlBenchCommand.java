package io.tandem.cli.bench;

import io.tandem.cli.sql.SqlCommand;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.config.TandemHome;
import io.tandem.model.CausalLm;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem bench sql}: the same prompts through {@code ML_PREDICT} over a {@code tandem}
 * model on the same pair in each mode asked for, once with rows batched into shared model calls and
 * once one row per call (what a provider that makes a remote call per row does), and the rows per
 * second of each. The pairs: the bundled CPU pair, whose every greedy completion is checked against
 * the target's alone, and a GPU pair whose stages are emulated from a measured profile (GPU stage
 * times, synthetic tokens; the provider's engine emulated), to show what batching and drafting pay
 * where a batch costs little more than one row.
 */
@Command(
        name = "sql",
        mixinStandardHelpOptions = true,
        description =
                "ML_PREDICT rows per second with the tandem provider batched against one row per"
                        + " call; prints a table, writes JSON.")
public final class SqlBenchCommand implements Callable<Integer> {

    @Option(names = "--rows", defaultValue = "240", description = "Prompts (default: 240).")
    int rows;

    @Option(
            names = "--new-tokens",
            defaultValue = "32",
            description = "max-new-tokens of the model (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(
            names = "--batch",
            split = ",",
            defaultValue = "16,32,64",
            description =
                    "max-batch-size of the batched runs, one run at each; ML_PREDICT keeps twice as"
                            + " many rows in flight (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(
            names = "--modes",
            split = ",",
            defaultValue = "sd,ad",
            description =
                    "The model's modes, each run batched and one row per call; the first is the"
                            + " summary's (default: ${DEFAULT-VALUE}).")
    List<String> modes;

    @Option(
            names = "--target",
            defaultValue = "models/austen-target",
            description = "Target model (default: ${DEFAULT-VALUE}).")
    Path target;

    @Option(
            names = "--draft",
            defaultValue = "models/austen-draft",
            description = "Draft model (default: ${DEFAULT-VALUE}).")
    Path draft;

    @Option(
            names = "--profile",
            defaultValue = "models/austen-pair-profile.json",
            description = "The pair's profile, for mode sd (default: ${DEFAULT-VALUE}).")
    Path profile;

    @Option(
            names = "--held-out",
            defaultValue = "models/data/austen-heldout.txt",
            description = "Text the prompts are cut from (default: ${DEFAULT-VALUE}).")
    Path heldOut;

    @Option(
            names = "--pairs",
            split = ",",
            defaultValue = "cpu,gpu",
            description =
                    "cpu (the bundled pair, real models) and gpu (stages emulated from"
                            + " --gpu-profile: GPU stage times, synthetic tokens); the first"
                            + " pair's first mode is the summary's (default: ${DEFAULT-VALUE}).")
    List<String> pairs;

    @Option(
            names = "--gpu-profile",
            defaultValue = "profiles/h200-68m-7b.json",
            description =
                    "Stage profile the gpu pair is emulated from and planned with (default:"
                            + " ${DEFAULT-VALUE}).")
    Path gpuProfile;

    @Option(
            names = "--threads",
            split = ",",
            description =
                    "PyTorch thread counts; each run is made at each, and each way of calling is"
                            + " compared at its best (default: 1 and the machine's cores).")
    List<Integer> threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /**
     * One run: how the model was called, what came back, the seconds spent planning and submitting
     * the query's job, and the seconds from then to its last row.
     */
    record Run(
            String pair,
            String mode,
            String name,
            int threads,
            int maxBatchSize,
            int inFlight,
            Map<String, String> completions,
            double submitSeconds,
            double seconds) {

        double rowsPerSecond() {
            return completions.size() / seconds;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        List<String> prompts = prompts();
        if (threads == null) {
            threads =
                    List.of(1, Runtime.getRuntime().availableProcessors()).stream()
                            .distinct()
                            .toList();
        }
        out.printf(
                "Tandem bench sql: %d prompts, %d new tokens, greedy, pairs %s (gpu: %s), modes %s,"
                        + " PyTorch threads %s; batched (max-batch-size %s, twice as many rows in"
                        + " flight) against one row per call%n",
                rows, newTokens, pairs, gpuProfile, modes, threads, joined(batches));
        for (String pair : pairs) {
            if (!pair.equals("cpu") && !pair.equals("gpu")) {
                throw new IllegalArgumentException("--pairs: cpu or gpu, got " + pair);
            }
        }
        for (int batch : batches) {
            if (batch < 2) {
                throw new IllegalArgumentException("--batch: at least 2, got " + batch);
            }
        }
        Map<String, String> reference = targetAlone(prompts);
        List<Run> runs = new ArrayList<>();
        long total = 0;
        for (String pair : pairs) {
            total += (batches.size() + 1L) * rows * modes.size() * counts(pair).size();
        }
        try (ProgressBar progress = new ProgressBar("bench sql", total)) {
            for (String pair : pairs) {
                for (String mode : modes) {
                    for (int count : counts(pair)) {
                        for (int batch : batches) {
                            runs.add(
                                    run(
                                            pair, mode, "batched", count, batch, 2 * batch, prompts,
                                            progress));
                        }
                        runs.add(run(pair, mode, "per-row", count, 1, 1, prompts, progress));
                    }
                }
            }
        }
        // the real pair's output is the target's alone; the emulated one's tokens are synthetic
        boolean identical =
                runs.stream()
                        .filter(r -> r.pair().equals("cpu"))
                        .allMatch(r -> r.completions().equals(reference));
        boolean complete = runs.stream().allMatch(r -> r.completions().size() == rows);
        Summary summary = summary(runs, identical);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        return identical && complete ? 0 : 1;
    }

    /** The thread counts a pair runs at: emulated stages park, so one count is enough. */
    private List<Integer> counts(String pair) {
        return pair.equals("cpu") ? threads : threads.subList(0, 1);
    }

    private Run run(
            String pair,
            String mode,
            String name,
            int threads,
            int maxBatchSize,
            int inFlight,
            List<String> prompts,
            ProgressBar progress)
            throws Exception {
        StreamTableEnvironment tables = SqlCommand.localTables(1);
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < prompts.size(); i++) {
            values.append(i == 0 ? "" : ", ")
                    .append("(")
                    .append(i)
                    .append(", '")
                    .append(prompts.get(i).replace("'", "''"))
                    .append("')");
        }
        tables.executeSql("CREATE TEMPORARY VIEW prompts (id, prompt) AS VALUES " + values);
        tables.executeSql(
                "CREATE TEMPORARY VIEW warm_up (id, prompt) AS VALUES (0, 'It is a truth')");
        String models =
                pair.equals("cpu")
                        ? "'target' = '"
                                + TandemHome.resolve(target)
                                + "', 'draft' = '"
                                + TandemHome.resolve(draft)
                                + "', 'planner-profile' = '"
                                + TandemHome.resolve(profile)
                                + "', 'threads' = '"
                                + threads
                                + "'"
                        : "'target' = '"
                                + TandemHome.resolve(target)
                                + "', 'engine' = 'emulated', 'stage-profile' = '"
                                + TandemHome.resolve(gpuProfile)
                                + "'";
        tables.executeSql(
                "CREATE TEMPORARY MODEL m INPUT (prompt STRING) OUTPUT (completion STRING) WITH ("
                        + "'provider' = 'tandem', "
                        + models
                        + ", 'mode' = '"
                        + mode
                        + "', 'max-new-tokens' = '"
                        + newTokens
                        + "', 'max-batch-size' = '"
                        + maxBatchSize
                        + "')");
        String call =
                " DESCRIPTOR(prompt), MAP['max-concurrent-operations', '"
                        + inFlight
                        + "', 'output-mode', 'ALLOW_UNORDERED'])";
        // a first job loads the models and compiles the code paths; the timed one finds them warm
        collect(
                tables,
                "SELECT id, prompt, completion FROM ML_PREDICT(TABLE warm_up, MODEL m," + call,
                null);
        Collected collected =
                collect(
                        tables,
                        "SELECT id, prompt, completion FROM ML_PREDICT(TABLE prompts, MODEL m,"
                                + call,
                        progress);
        return new Run(
                pair,
                mode,
                name,
                threads,
                maxBatchSize,
                inFlight,
                collected.completions(),
                collected.submitSeconds(),
                collected.seconds());
    }

    /** A query's rows by id, and its seconds to submit and from then to the last row. */
    private record Collected(
            Map<String, String> completions, double submitSeconds, double seconds) {}

    /**
     * Runs {@code query} to its end. The clock for its rows starts once its job is submitted:
     * planning and submitting take about a second on the local cluster whatever the rows, which
     * would weigh on a short batched run far more than on a long run of one row per call.
     */
    private static Collected collect(
            StreamTableEnvironment tables, String query, ProgressBar progress) throws Exception {
        Map<String, String> completions = new HashMap<>();
        long submitting = System.nanoTime();
        TableResult result = tables.executeSql(query);
        long submitted = System.nanoTime();
        long last = submitted;
        try (CloseableIterator<Row> rows = result.collect()) {
            while (rows.hasNext()) {
                Row row = rows.next();
                last = System.nanoTime();
                completions.put(String.valueOf(row.getField(0)), (String) row.getField(2));
                if (progress != null) {
                    progress.step();
                }
            }
        }
        return new Collected(completions, (submitted - submitting) / 1e9, (last - submitted) / 1e9);
    }

    private static String joined(List<Integer> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /**
     * The fastest run of {@code name} of {@code pair} in {@code mode}, over the thread counts and
     * batch sizes.
     */
    private static Run best(List<Run> runs, String pair, String mode, String name) {
        return runs.stream()
                .filter(
                        r ->
                                r.pair().equals(pair)
                                        && r.mode().equals(mode)
                                        && r.name().equals(name))
                .max(Comparator.comparingDouble(Run::rowsPerSecond))
                .orElseThrow();
    }

    private List<String> prompts() throws Exception {
        List<String> paragraphs =
                HeldOutPrompts.read(TandemHome.resolve(heldOut), Math.min(rows, 80), 48);
        List<String> prompts = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            // past the paragraphs, the same ones cut shorter: distinct prompts, all real text
            String paragraph = paragraphs.get(i % paragraphs.size());
            prompts.add(paragraph.substring(0, paragraph.length() - 8 * (i / paragraphs.size())));
        }
        return prompts;
    }

    /** Each row's greedy completion by the target alone, by row id. */
    private Map<String, String> targetAlone(List<String> prompts) throws Exception {
        Map<String, String> completions = new HashMap<>();
        try (CausalLm model = CausalLm.load(TandemHome.resolve(target))) {
            for (int i = 0; i < prompts.size(); i++) {
                int[] tokens =
                        model.generate(
                                        List.of(
                                                new GenerationRequest(
                                                        "r" + i,
                                                        model.tokenizer().encode(prompts.get(i)),
                                                        newTokens,
                                                        SamplingConfig.greedy())))
                                .get(0)
                                .tokens();
                completions.put(String.valueOf(i), model.tokenizer().decode(tokens));
            }
        }
        return completions;
    }

    private Summary summary(List<Run> runs, boolean identical) {
        Summary summary = new Summary();
        summary.figures("setup", null)
                .json("benchmark", "sql")
                .json("rows", rows)
                .json("new_tokens", newTokens)
                .json("modes", String.join(",", modes))
                .json("pairs", String.join(",", pairs))
                .json("gpu_profile", gpuProfile.toString())
                .json("max_batch_sizes", joined(batches))
                .json("pytorch_threads", joined(threads))
                .json("machine_cores", Runtime.getRuntime().availableProcessors());
        Table table =
                summary.table(
                        "runs",
                        "ML_PREDICT over the same prompts",
                        Column.of("pair", "pair"),
                        Column.of("mode", "mode"),
                        Column.of("run", "run"),
                        Column.of("threads", "threads"),
                        Column.of("max_batch_size", "max-batch-size"),
                        Column.of("in_flight", "rows in flight"),
                        Column.of("rows", "rows"),
                        Column.of("submit_seconds", "submit s"),
                        Column.of("seconds", "seconds"),
                        Column.of("rows_per_s", "rows/s"));
        for (Run r : runs) {
            table.row(
                    r.pair(),
                    r.mode(),
                    r.name(),
                    r.threads(),
                    r.maxBatchSize(),
                    r.inFlight(),
                    r.completions().size(),
                    Value.number(r.submitSeconds(), "%.1f"),
                    Value.number(r.seconds(), "%.1f"),
                    Value.number(r.rowsPerSecond(), "%.1f"));
        }
        summary.line("");
        Figures keys = summary.figures("summary", "Summary").asTable();
        keys.add("rows", "rows", rows, ">= 200");
        keys.add(
                "greedy_identical",
                "greedy_identical (every cpu run, target alone)",
                identical,
                "true");
        for (String pair : pairs) {
            for (String mode : modes) {
                // each way of calling at its best: batched over the batch sizes and thread
                // counts, one row per call over the thread counts; the first pair's first mode's
                // is the summary's
                Run batched = best(runs, pair, mode, "batched");
                Run perRow = best(runs, pair, mode, "per-row");
                double ratio = batched.rowsPerSecond() / perRow.rowsPerSecond();
                String key =
                        "batched_per_row_throughput_ratio_"
                                + (pair.equals("cpu") ? "" : pair + "_")
                                + mode;
                String label =
                        pair.equals("cpu")
                                ? String.format(
                                        " (rows/s, cpu pair, mode %s, batch %d on %d thread(s)"
                                                + " against one row on %d)",
                                        mode,
                                        batched.maxBatchSize(),
                                        batched.threads(),
                                        perRow.threads())
                                : String.format(
                                        " (rows/s, %s pair, mode %s, batch %d)",
                                        pair, mode, batched.maxBatchSize());
                if (pair.equals(pairs.get(0)) && mode.equals(modes.get(0))) {
                    keys.add(
                            "batched_per_row_throughput_ratio",
                            "batched_per_row_throughput_ratio" + label,
                            Value.number(ratio, "%.2f"),
                            ">= 3");
                }
                keys.add(key, key + label, Value.number(ratio, "%.2f"));
            }
        }
        return summary;
    }
}
