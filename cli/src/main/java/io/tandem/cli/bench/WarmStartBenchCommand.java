package io.tandem.cli.bench;

import io.tandem.cli.LocalCluster;
import io.tandem.cli.serve.LocalServing;
import io.tandem.cli.serve.ServingClient;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.JobOptions;
import io.tandem.planner.stats.Percentiles;
import io.tandem.schemas.InferenceResult;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem bench warm-start}: how the first request after {@code ./tandem serve} reports
 * ready compares with the same request once the job has served a while. Each run starts the broker
 * and the job afresh, as {@code serve} does, then sends one request several times, each after the
 * previous one's answer.
 */
@Command(
        name = "warm-start",
        mixinStandardHelpOptions = true,
        description =
                "The first request after ./tandem serve is ready against the same request in"
                        + " steady state; prints a table, writes JSON.")
public final class WarmStartBenchCommand implements Callable<Integer> {

    @Mixin JobOptions job;

    @Mixin LocalCluster cluster;

    @Option(
            names = "--runs",
            defaultValue = "3",
            description = "Fresh starts (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--requests",
            defaultValue = "8",
            description =
                    "Times the request is sent in a run, one after another; all but the first"
                            + " are its steady state (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(
            names = "--prompt",
            defaultValue = "It is a truth universally acknowledged",
            description = "The request's prompt (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "32",
            description = "The request's max-new-tokens (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    /** One answered request: its run, its place in the run, and its latencies. */
    private record Sent(int run, int order, double clientMs, double jobMs) {}

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || requests < 2) {
            throw new IllegalArgumentException("need --runs >= 1 and --requests >= 2");
        }
        PrintStream out = System.out;
        out.printf(
                "Tandem bench warm-start: %d fresh starts, the same request (%d new tokens, greedy)"
                        + " %d times in each, one after another%n",
                runs, maxNewTokens, requests);
        List<Sent> sent = new ArrayList<>();
        List<Double> ready = new ArrayList<>();
        List<Double> warmUps = new ArrayList<>();
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        for (int run = 1; run <= runs; run++) {
            try (LocalServing serving =
                    LocalServing.start(
                            job, cluster, Duration.ofMinutes(5), new CountDownLatch(1), quiet)) {
                ready.add(serving.readySeconds());
                warmUps.add(serving.warmUpMillis());
                try (ServingClient sender =
                        new ServingClient(serving.config(), Duration.ofMinutes(2))) {
                    for (int order = 1; order <= requests; order++) {
                        long start = System.nanoTime();
                        InferenceResult result =
                                sender.send(prompt, maxNewTokens, "warm-start-" + run + "-" + order)
                                        .result();
                        sent.add(
                                new Sent(
                                        run,
                                        order,
                                        (System.nanoTime() - start) / 1e6,
                                        result.getLatency().getTotalMs()));
                    }
                }
            }
            out.printf("run %d of %d done%n", run, runs);
        }
        Summary summary = summary(sent, ready, warmUps);
        summary.print(out);
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        return 0;
    }

    private Summary summary(List<Sent> sent, List<Double> ready, List<Double> warmUps) {
        Summary summary = new Summary();
        summary.figures("setup", null)
                .json("benchmark", "warm-start")
                .json("runs", runs)
                .json("requests", requests)
                .json("max_new_tokens", maxNewTokens)
                .json("prompt", prompt)
                .json("machine_cores", Runtime.getRuntime().availableProcessors());
        Table table =
                summary.table(
                        "requests",
                        "The same request, one after another, after each fresh start",
                        Column.of("run", "run"),
                        Column.of("order", "request"),
                        Column.of("client_ms", "sent to answered (ms)"),
                        Column.of("job_ms", "job's latency (ms)"));
        for (Sent s : sent) {
            table.row(
                    s.run(),
                    s.order(),
                    Value.number(s.clientMs(), "%.0f"),
                    Value.number(s.jobMs(), "%.0f"));
        }
        summary.line("");
        double first =
                Percentiles.median(
                        sent.stream()
                                .filter(s -> s.order() == 1)
                                .mapToDouble(Sent::clientMs)
                                .toArray());
        double steady =
                Percentiles.median(
                        sent.stream()
                                .filter(s -> s.order() > 1)
                                .mapToDouble(Sent::clientMs)
                                .toArray());
        Figures keys = summary.figures("summary", "Summary").asTable();
        keys.add(
                "ready_s",
                "ready after (s, median of runs: job start to warm-up answered)",
                Value.number(median(ready), "%.1f"));
        keys.add(
                "warm_up_ms",
                "slowest warm-up request (ms, median of runs: what a cold job's first requests"
                        + " wait)",
                Value.number(median(warmUps), "%.0f"));
        keys.add(
                "first_request_ms",
                "first request after ready (ms, median of runs)",
                Value.number(first, "%.0f"));
        keys.add(
                "steady_request_ms",
                "the same request later (ms, median)",
                Value.number(steady, "%.0f"));
        keys.add(
                "first_to_steady_ratio",
                "first_to_steady_ratio",
                Value.number(first / steady, "%.2f"),
                "<= 2");
        return summary;
    }

    /** The nearest-rank median, as Tandem states every median. */
    private static double median(List<Double> values) {
        return Percentiles.median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
