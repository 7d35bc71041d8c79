package io.tandem.cli;

import io.tandem.cli.demo.WarmUp;
import io.tandem.cli.replay.PromptSynthesizer;
import io.tandem.cli.replay.ReplayReport;
import io.tandem.cli.replay.ReplayRun;
import io.tandem.cli.replay.TraceFormat;
import io.tandem.job.JobOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemHome;
import io.tandem.job.config.TandemOptions;
import io.tandem.local.EmbeddedKafka;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Replays a recorded request trace against the job and reports what it measured. With {@code
 * --embedded} it starts a broker and the job itself; with {@code --bootstrap} it drives a job that
 * is already serving that cluster. Ctrl-C (or SIGTERM) stops the sending and writes a partial
 * report; the exit code is then 130, else 0 when every request came back once and 1 when not.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description =
                "Replay a request trace (Azure CSV, Mooncake JSONL or Tandem JSONL) through Kafka"
                        + " against the job, and report latency, throughput and acceptance.")
public final class ReplayCommand implements Callable<Integer> {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);
    private static final int WARM_UP_TOKENS = 16;

    /** The shell's code for a command ended by Ctrl-C. */
    private static final int EXIT_INTERRUPTED = 130;

    @Option(
            names = "--trace",
            required = true,
            paramLabel = "FILE",
            description = "The trace to replay.")
    Path trace;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            description =
                    "azure, mooncake or jsonl (default: from the file name: .csv is azure, a"
                            + " name with mooncake is mooncake, else jsonl).")
    String format;

    @Option(
            names = "--embedded",
            description =
                    "Start an embedded Kafka broker and the job on a local Flink, then replay;"
                            + " otherwise give --bootstrap of a cluster the job is serving.")
    boolean embedded;

    @Option(
            names = "--speedup",
            paramLabel = "X",
            defaultValue = "1",
            description = "Replay X times faster than recorded (default: ${DEFAULT-VALUE}).")
    double speedup;

    @Option(names = "--limit", paramLabel = "N", description = "Replay only the first N requests.")
    Long limit;

    @Option(
            names = "--report",
            paramLabel = "DIR",
            description =
                    "Write summary.json, requests.csv and PNG plots here (created if missing).")
    Path report;

    @Option(
            names = "--patience",
            paramLabel = "DURATION",
            defaultValue = "PT60S",
            description =
                    "After the last send, give up on the missing answers when none has come for"
                            + " this long, as ISO-8601 (default: 60 s); they are reported lost.")
    Duration patience;

    @Option(
            names = "--corpus",
            paramLabel = "FILE",
            defaultValue = "models/data/austen-heldout.txt",
            description =
                    "ASCII text to cut prompts from when the trace has only lengths (default:"
                            + " ${DEFAULT-VALUE}).")
    Path corpus;

    @Option(
            names = "--context-length",
            paramLabel = "N",
            description =
                    "Cap requests to this context instead of the one read from the model"
                            + " directories (for a remote job whose models are not here).")
    Integer contextLength;

    @Option(
            names = "--task-managers",
            paramLabel = "N",
            defaultValue = "2",
            description = "With --embedded: local TaskManagers (default: ${DEFAULT-VALUE}).")
    int taskManagers;

    /**
     * Job settings: with --embedded the job's; otherwise the topics and models of the running job.
     */
    @Mixin JobOptions job;

    @Spec CommandSpec spec;

    /** Set by the first Ctrl-C (or SIGTERM). */
    private final AtomicBoolean interrupted = new AtomicBoolean();

    /** The replay under way, for the signal handler; null while starting up. */
    private final AtomicReference<ReplayRun> running = new AtomicReference<>();

    @Override
    public Integer call() throws Exception {
        // Before the replay starts Ctrl-C quits as usual; once it runs, the replay stops sending
        // and reports what it has
        try (StopSignals signals =
                StopSignals.install(
                        EXIT_INTERRUPTED,
                        () -> {
                            interrupted.set(true);
                            ReplayRun run = running.get();
                            if (run == null) {
                                // a normal exit, shutdown hooks and all, as without the handler
                                new Thread(() -> System.exit(EXIT_INTERRUPTED)).start();
                                return;
                            }
                            System.err.printf(
                                    "%nStopping: no more requests are sent; the partial report"
                                            + " follows (Ctrl-C again quits at once).%n");
                            run.stop();
                        })) {
            return startAndReplay();
        }
    }

    private int startAndReplay() throws Exception {
        if (embedded == (job.bootstrap() != null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "Give either --embedded or --bootstrap HOST:PORT of a cluster the job serves.");
        }
        if (!embedded && job.mode() != null) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--mode needs --embedded: a running job keeps the mode it was started in.");
        }
        if (!(speedup > 0) || Double.isInfinite(speedup)) {
            throw new ParameterException(
                    spec.commandLine(), "--speedup must be > 0, got " + speedup);
        }
        Path traceFile = TandemHome.resolve(trace);
        if (!Files.isRegularFile(traceFile)) {
            throw new ParameterException(spec.commandLine(), "No trace file " + trace);
        }
        TraceFormat traceFormat =
                format != null ? TraceFormat.of(format) : TraceFormat.guess(traceFile);
        long most = limit != null ? limit : Long.MAX_VALUE;
        if (most < 1) {
            throw new ParameterException(spec.commandLine(), "--limit must be >= 1, got " + limit);
        }
        if (embedded) {
            try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
                Map<String, String> base = JobOptions.localDefaults();
                base.put(TandemOptions.BOOTSTRAP_SERVERS.key(), kafka.bootstrapServers());
                JobConfig config = job.resolve(base);
                JobClient client =
                        LocalCluster.start(
                                config, taskManagers, TandemJob.JOB_NAME, new Configuration());
                try {
                    System.out.printf(
                            "Tandem replay: Kafka %s (embedded), Flink local with %d TaskManagers,"
                                    + " mode %s; waiting for the job to serve its warm-up"
                                    + " requests...%n",
                            kafka.bootstrapServers(),
                            taskManagers,
                            config.generation().mode().label());
                    WarmUp.serve(config, "replay", WARM_UP_TOKENS, STARTUP_TIMEOUT);
                    return replay(
                            config,
                            traceFile,
                            traceFormat,
                            most,
                            "embedded",
                            config.generation().mode().label());
                } finally {
                    client.cancel().get(30, TimeUnit.SECONDS);
                }
            }
        }
        JobConfig config = job.resolve(Map.of());
        return replay(
                config, traceFile, traceFormat, most, config.kafka().bootstrapServers(), null);
    }

    private int replay(
            JobConfig config,
            Path traceFile,
            TraceFormat traceFormat,
            long most,
            String target,
            String mode)
            throws Exception {
        PrintStream out = System.out;
        PromptSynthesizer prompts =
                new PromptSynthesizer(
                        Files.readString(TandemHome.resolve(corpus), StandardCharsets.US_ASCII),
                        contextLength != null
                                ? contextLength
                                : config.generation().contextLength());
        ReplayRun run =
                new ReplayRun(
                        new ReplayReport.Setup(traceFile, traceFormat, target, mode, speedup, most),
                        prompts,
                        patience);
        long total = run.traceRequests();
        out.printf(
                "Replaying %d requests of %s (%s) at %s× speed to %s; Ctrl-C stops with a partial"
                        + " report.%n",
                total,
                trace,
                traceFormat.name().toLowerCase(java.util.Locale.ROOT),
                speedup,
                config.kafka().requestsTopic());

        running.set(run);
        try {
            ReplayReport result;
            try (ProgressBar progress =
                    new ProgressBarBuilder()
                            .setTaskName("replay")
                            .setInitialMax(total)
                            .setUnit(" answered", 1)
                            .build()) {
                result =
                        run.run(
                                config.kafka(),
                                (sent, answered) -> {
                                    progress.stepTo(answered);
                                    progress.setExtraMessage("sent " + sent);
                                });
            }
            out.println();
            result.print(out);
            if (report != null) {
                List<Path> files = result.write(report);
                out.printf(
                        "Wrote %d files to %s: %s%n",
                        files.size(),
                        report,
                        files.stream()
                                .map(f -> f.getFileName().toString())
                                .collect(java.util.stream.Collectors.joining(", ")));
            } else {
                out.println("Add --report DIR for the JSON summary, a CSV per request and plots.");
            }
            return interrupted.get() ? EXIT_INTERRUPTED : result.complete() ? 0 : 1;
        } finally {
            running.set(null);
        }
    }
}
