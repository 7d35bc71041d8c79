package io.tandem.cli.serve;

import io.tandem.cli.LocalCluster;
import io.tandem.cli.demo.DemoRequests;
import io.tandem.job.JobOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.TandemOptions;
import io.tandem.local.EmbeddedKafka;
import io.tandem.schemas.InferenceRequest;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;

/**
 * The serving job on a local Flink, on an embedded Kafka broker unless the job options name one,
 * started and brought to where it serves warm: a short request on every batching lane has been
 * answered, so every loop head and model worker has run once. {@link #close} stops the job, then
 * the broker.
 */
public final class LocalServing implements AutoCloseable {

    private static final int WARM_UP_TOKENS = 16;

    private final EmbeddedKafka kafka;
    private final JobConfig config;
    private final JobClient client;
    private final double readySeconds;
    private final double warmUpMillis;

    private LocalServing(
            EmbeddedKafka kafka,
            JobConfig config,
            JobClient client,
            double readySeconds,
            double warmUpMillis) {
        this.kafka = kafka;
        this.config = config;
        this.client = client;
        this.readySeconds = readySeconds;
        this.warmUpMillis = warmUpMillis;
    }

    /**
     * Starts everything and waits until the job serves, saying what it starts on {@code out}.
     *
     * @param stopping counted down to give up waiting (Ctrl-C)
     * @throws IllegalStateException if the job does not answer within {@code readyTimeout}, or
     *     {@code stopping} is counted down first; what was started is stopped again
     */
    public static LocalServing start(
            JobOptions job,
            LocalCluster cluster,
            Duration readyTimeout,
            CountDownLatch stopping,
            PrintStream out)
            throws Exception {
        EmbeddedKafka kafka = null;
        JobClient client = null;
        try {
            String servers = job.bootstrap();
            if (servers == null) {
                kafka = EmbeddedKafka.start();
                servers = kafka.bootstrapServers();
            }
            Map<String, String> base = JobOptions.localDefaults();
            base.put(TandemOptions.BOOTSTRAP_SERVERS.key(), servers);
            JobConfig config = job.resolve(base);
            out.printf(
                    "Starting: Kafka %s (%s), Flink local with %d TaskManagers, model %s, mode"
                            + " %s%n",
                    servers,
                    kafka != null ? "embedded" : "yours",
                    cluster.taskManagers(),
                    config.generation().modelDir(),
                    config.generation().mode());
            out.flush();
            long start = System.nanoTime();
            client = cluster.start(config, TandemJob.JOB_NAME);
            double warmUp = warmUp(config, readyTimeout, stopping);
            return new LocalServing(
                    kafka, config, client, (System.nanoTime() - start) / 1e9, warmUp);
        } catch (Exception | Error e) {
            stop(client, kafka);
            throw e;
        }
    }

    public JobConfig config() {
        return config;
    }

    public JobClient client() {
        return client;
    }

    /** Seconds from submitting the job to its answering every warm-up request. */
    public double readySeconds() {
        return readySeconds;
    }

    /**
     * The longest a warm-up request took from its sending to its answer, in milliseconds: what the
     * first requests to a job that has just started wait.
     */
    public double warmUpMillis() {
        return warmUpMillis;
    }

    /**
     * Sends a short request on every batching lane (lanes go by the hash of the request id) and
     * waits for their results; returns the longest wait for one, in milliseconds.
     */
    private static double warmUp(JobConfig config, Duration timeout, CountDownLatch stopping)
            throws Exception {
        List<InferenceRequest> requests =
                DemoRequests.warmUps(config.batching().lanes(), "serve", WARM_UP_TOKENS);
        List<CompletableFuture<Answers.Answer>> answers = new ArrayList<>();
        try (ServingClient client = new ServingClient(config, timeout)) {
            long sent = System.nanoTime();
            for (InferenceRequest request : requests) {
                answers.add(client.submit(request));
            }
            // the longest wait is the last answer's
            CompletableFuture<Double> all =
                    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                            .thenApply(done -> (System.nanoTime() - sent) / 1e6);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!all.isDone()) {
                if (stopping.await(200, TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("stopped before the job served");
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the job did not answer its "
                                    + requests.size()
                                    + " warm-up requests within "
                                    + timeout.toSeconds()
                                    + " s");
                }
            }
            return all.join();
        }
    }

    @Override
    public void close() {
        stop(client, kafka);
    }

    private static void stop(JobClient client, EmbeddedKafka kafka) {
        if (client != null) {
            LocalCluster.stop(client);
        }
        if (kafka != null) {
            kafka.close();
        }
    }
}
