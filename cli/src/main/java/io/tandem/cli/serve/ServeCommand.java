package io.tandem.cli.serve;

import io.tandem.cli.LocalCluster;
import io.tandem.cli.StopSignals;
import io.tandem.job.JobOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ./tandem serve}: the serving job on a local Flink, on an embedded Kafka broker unless
 * {@code --bootstrap} names one, kept running until Ctrl-C. It says it is ready only once a request
 * on every batching lane has been answered, so the first request a user sends finds every model
 * worker and loop head warm; then it prints how to reach it and writes {@link ServeFile} for {@code
 * ./tandem send}.
 */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description =
                "Serve requests until Ctrl-C: an embedded Kafka broker (or --bootstrap) and the job"
                        + " on a local 2-TaskManager Flink.")
public final class ServeCommand implements Callable<Integer> {

    @Mixin JobOptions job;

    @Mixin LocalCluster cluster;

    @Option(
            names = "--state",
            paramLabel = "FILE",
            defaultValue = ServeFile.DEFAULT,
            description =
                    "Where to write how to reach the job, for ./tandem send (default:"
                            + " ${DEFAULT-VALUE} in the checkout).")
    Path state;

    @Option(
            names = "--ready-timeout",
            paramLabel = "DURATION",
            defaultValue = "PT5M",
            description =
                    "How long the job may take to answer its warm-up requests, as ISO-8601"
                            + " (default: 5 minutes).")
    Duration readyTimeout;

    /** A second Ctrl-C quits at once, with the status a shell gives a process Ctrl-C ended. */
    private static final int EXIT_INTERRUPTED = 130;

    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Path file = ServeFile.locate(state);
        // Ctrl-C and TERM let the main thread stop the job and the broker before the JVM's shutdown
        // starts: there the broker's own hook would delete its log directories under it
        try (StopSignals signals = StopSignals.install(EXIT_INTERRUPTED, stopping::countDown)) {
            return serve(out, file);
        }
    }

    private int serve(PrintStream out, Path file) throws Exception {
        // any other way the JVM ends (a hang-up, an exit elsewhere) still stops everything in order
        Thread hook =
                new Thread(
                        () -> {
                            stopping.countDown();
                            try {
                                stopped.await(90, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "tandem-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LocalServing serving = null;
        try {
            serving = LocalServing.start(job, cluster, readyTimeout, stopping, out);
            ServeFile serve = ServeFile.of(serving.config());
            serve.write(file);
            out.printf(
                    "Ready in %.1f s. Kafka %s; requests to %s, results on %s, dead letters on"
                            + " %s.%n",
                    serving.readySeconds(),
                    serve.bootstrapServers(),
                    serve.requestsTopic(),
                    serve.resultsTopic(),
                    serve.deadLetterTopic());
            out.println("Send a prompt from another terminal:");
            out.println("  ./tandem send \"It is a truth universally acknowledged\"");
            out.println(
                    "or produce InferenceRequest records (schemas/src/main/avro) to "
                            + serve.requestsTopic()
                            + " on "
                            + serve.bootstrapServers()
                            + " from any Kafka client (docs/clients.md). Ctrl-C stops.");
            out.flush();
            return awaitStop(serving.client());
        } catch (IllegalStateException e) {
            System.err.println("Not serving: " + e.getMessage() + ".");
            return 1;
        } finally {
            Files.deleteIfExists(file);
            if (serving != null) {
                serving.close();
            }
            out.println("Stopped.");
            out.flush();
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook is running and waits for this
            }
        }
    }

    /**
     * Waits for Ctrl-C, or for the job to end by itself (a failure): 0 for the one, 1 for the
     * other.
     */
    private int awaitStop(JobClient client) throws Exception {
        while (!stopping.await(1, TimeUnit.SECONDS)) {
            if (client.getJobStatus().get().isGloballyTerminalState()) {
                System.err.println(
                        "The job ended by itself ("
                                + client.getJobStatus().get()
                                + "); see the log for why.");
                return 1;
            }
        }
        return 0;
    }
}
