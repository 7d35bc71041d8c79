package io.tandem.cli.replay;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.tandem.job.config.JobConfig;
import io.tandem.local.RequestProducer;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * One replay of a trace against a running job: sends the trace through Kafka on its schedule,
 * matches the results and dead letters that come back, waits for the stragglers, and builds the
 * report. {@link #stop()} (Ctrl-C) ends it early with a partial report: nothing more is sent and
 * what has not come back is reported in flight. Each request id is {@code <trace>-<run>-<line>},
 * unique per run, so replays can share a topic with each other and with other clients.
 */
public final class ReplayRun {

    /** Told twice a second how far the replay is. */
    public interface Monitor {
        void update(int sent, int answered);
    }

    /** After the last answer, how long to listen for a duplicate before reporting. */
    private static final Duration DUPLICATE_GRACE = Duration.ofMillis(500);

    private static final long MONITOR_MILLIS = 500;

    /** From creating the ledger to the first send: time to start the reader and producer. */
    private static final long START_DELAY_MILLIS = 300;

    private final ReplayReport.Setup setup;
    private final PromptSynthesizer prompts;
    private final Duration patience;
    private final long traceRequests;
    private volatile Replay replay;
    private volatile boolean stopped;

    /**
     * Counts the trace's requests (it is read again as it is sent).
     *
     * @param setup what to replay and how; its mode is the job's, or null to read it from the
     *     results
     * @param prompts prompt synthesis and capping for the job's model
     * @param patience how long to wait for answers after the last one came
     */
    public ReplayRun(ReplayReport.Setup setup, PromptSynthesizer prompts, Duration patience)
            throws IOException {
        this.setup = setup;
        this.prompts = prompts;
        this.patience = patience;
        this.traceRequests = count(setup.trace(), setup.format(), setup.limit());
    }

    /** Requests in the trace (bad lines skipped), up to the limit. */
    public long traceRequests() {
        return traceRequests;
    }

    /** Ends the replay early; safe from any thread, before or during {@link #run}. */
    public void stop() {
        stopped = true;
        Replay running = replay;
        if (running != null) {
            running.stop();
        }
    }

    /**
     * Replays the trace to the job serving {@code kafka}'s topics. The clock starts once the topics
     * are open and the producer has the requests topic's metadata, so connecting does not count
     * against the first requests.
     */
    public ReplayReport run(JobConfig.Kafka kafka, Monitor monitor)
            throws IOException, InterruptedException {
        String runName =
                baseName(setup.trace())
                        + "-"
                        + Long.toString(System.currentTimeMillis(), 36).toLowerCase(Locale.ROOT);
        try (AnswerReader answers =
                        new AnswerReader(
                                kafka.clientProperties("replay-answers"),
                                kafka.resultsTopic(),
                                kafka.deadLetterTopic(),
                                this::stop);
                RequestProducer producer =
                        new RequestProducer(
                                kafka.clientProperties("replay-requests"), kafka.requestsTopic());
                TraceReader reader = TraceReader.open(setup.trace(), setup.format())) {
            producer.checkTopic();
            ReplayLedger ledger = new ReplayLedger(System.currentTimeMillis() + START_DELAY_MILLIS);
            answers.start(ledger);
            try (HeapWatch heap = new HeapWatch(ledger, monitor)) {
                Replay sender =
                        new Replay(
                                reader,
                                new ReplayRequests(runName, prompts, setup.speedup()),
                                producer::sendAsync,
                                ledger,
                                setup.limit());
                replay = sender;
                if (stopped) {
                    sender.stop();
                }
                Replay.Sending sending = sender.run();
                producer.flush();
                boolean complete = ledger.awaitAnswers(patience, () -> stopped);
                if (complete && !stopped) {
                    Thread.sleep(DUPLICATE_GRACE.toMillis());
                }
                // nothing reaches the ledger after this: the figures below are one snapshot
                answers.close();
                heap.close();
                double durationMs = System.currentTimeMillis() - ledger.startEpochMillis();
                boolean interrupted = stopped;
                RuntimeException failure = answers.failure();
                monitor.update(ledger.sentCount(), ledger.answeredCount());
                return new ReplayReport(
                        setup.withMode(mode(ledger)),
                        new ReplayReport.Ending(
                                traceRequests,
                                sending,
                                interrupted,
                                failure == null ? null : "reading answers failed: " + failure,
                                durationMs,
                                ledger.duplicated(),
                                answers.unreadable(),
                                prompts.capping(),
                                reader.problems(),
                                reader.problemCount(),
                                heap.peakMb()),
                        ledger.outcomes(interrupted));
            }
        }
    }

    /** Requests in the trace (bad lines skipped), up to {@code limit}. */
    static long count(Path trace, TraceFormat format, long limit) throws IOException {
        long count = 0;
        try (TraceReader reader = TraceReader.open(trace, format)) {
            while (count < limit && reader.hasNext()) {
                reader.next();
                count++;
            }
        }
        return count;
    }

    /** The job's mode: as started, else as its results say. */
    private String mode(ReplayLedger ledger) {
        if (setup.mode() != null) {
            return setup.mode();
        }
        return ledger.modes().isEmpty() ? "unknown" : String.join("+", ledger.modes());
    }

    private static String baseName(Path trace) {
        String name = trace.getFileName().toString();
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /**
     * Reports progress on a thread of its own, and watches the heap after every garbage collection:
     * what survives a collection is what the process holds on to, so its peak shows whether memory
     * stayed bounded however long the trace. (Young collections leave old garbage in place, so the
     * figure is an upper bound.)
     */
    private static final class HeapWatch implements AutoCloseable {
        private static final Set<String> HEAP_POOLS =
                ManagementFactory.getMemoryPoolMXBeans().stream()
                        .filter(pool -> pool.getType() == MemoryType.HEAP)
                        .map(MemoryPoolMXBean::getName)
                        .collect(Collectors.toUnmodifiableSet());
        private final Thread thread;
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener listener = this::collected;
        private volatile boolean closed;
        private volatile long peakAfterGcBytes;

        HeapWatch(ReplayLedger ledger, Monitor monitor) {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener(listener, null, null);
                    emitters.add(emitter);
                }
            }
            thread =
                    new Thread(
                            () -> {
                                while (!closed) {
                                    monitor.update(ledger.sentCount(), ledger.answeredCount());
                                    try {
                                        Thread.sleep(MONITOR_MILLIS);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            },
                            "replay-monitor");
            thread.setDaemon(true);
            thread.start();
        }

        private void collected(Notification notification, Object handback) {
            if (!notification
                    .getType()
                    .equals(GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION)) {
                return;
            }
            GarbageCollectionNotificationInfo info =
                    GarbageCollectionNotificationInfo.from(
                            (CompositeData) notification.getUserData());
            long heap = 0;
            for (Map.Entry<String, MemoryUsage> pool :
                    info.getGcInfo().getMemoryUsageAfterGc().entrySet()) {
                if (HEAP_POOLS.contains(pool.getKey())) {
                    heap += pool.getValue().getUsed();
                }
            }
            peakAfterGcBytes = Math.max(peakAfterGcBytes, heap);
        }

        /** The peak heap after a collection; the heap in use now if none ran. */
        double peakMb() {
            long bytes = peakAfterGcBytes;
            if (bytes == 0) {
                Runtime runtime = Runtime.getRuntime();
                bytes = runtime.totalMemory() - runtime.freeMemory();
            }
            return bytes / (1024.0 * 1024.0);
        }

        @Override
        public void close() throws InterruptedException {
            if (closed) {
                return;
            }
            closed = true;
            for (NotificationEmitter emitter : emitters) {
                try {
                    emitter.removeNotificationListener(listener);
                } catch (ListenerNotFoundException e) {
                    // never added
                }
            }
            thread.interrupt();
            thread.join(1_000);
        }
    }
}
