package io.tandem.sql;

import io.tandem.model.LanguageModel;
import io.tandem.model.ModelException;
import io.tandem.model.SessionLimits;
import io.tandem.profile.MeasuredPair;
import io.tandem.udfs.BatchingGenerator;
import io.tandem.udfs.Drafter;
import io.tandem.udfs.ServingMode;
import io.tandem.udfs.SharedModels;
import io.tandem.udfs.SpeculativeGenerator;
import io.tandem.udfs.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One {@link BatchingGenerator} per JVM for each model's serving settings, shared by the subtasks
 * of a TaskManager that call the same model, so their rows batch together: built by the first
 * subtask that opens, and closed with its models {@link #KEEP_WARM} after the last one closes,
 * unless a subtask opens again by then: a job that restarts after a failure, or the next query of a
 * session, finds the models loaded. Thread-safe.
 */
final class SharedGenerators {

    private static final SessionLimits SESSIONS =
            new SessionLimits(4096, 1L << 30, Duration.ofMinutes(5));

    /** A shared generator and the target, whose tokenizer and context rows are checked with. */
    record Served(BatchingGenerator generator, LanguageModel target, int contextLength) {}

    private static final class Entry {
        final Served served;
        final Drafter drafter;
        final Verifier verifier;
        int users;

        Entry(Served served, Drafter drafter, Verifier verifier) {
            this.served = served;
            this.drafter = drafter;
            this.verifier = verifier;
        }
    }

    /** How long an unused generator stays loaded. */
    static final Duration KEEP_WARM = Duration.ofSeconds(60);

    private static final Map<ModelSettings.Serving, Entry> GENERATORS = new HashMap<>();
    private static final ScheduledExecutorService CLOSER =
            Executors.newSingleThreadScheduledExecutor(
                    runnable -> {
                        Thread thread = new Thread(runnable, "tandem-sql-closer");
                        thread.setDaemon(true);
                        return thread;
                    });
    private static long built;

    private SharedGenerators() {}

    /** The generator for {@code settings}, built on first use; pair each with {@link #release}. */
    static synchronized Served acquire(ModelSettings.Serving settings)
            throws ModelException, IOException {
        Entry entry = GENERATORS.get(settings);
        if (entry == null) {
            entry = build(settings);
            GENERATORS.put(settings, entry);
        }
        entry.users++;
        return entry.served;
    }

    static synchronized void release(ModelSettings.Serving settings) {
        Entry entry = GENERATORS.get(settings);
        if (entry != null && --entry.users == 0) {
            CLOSER.schedule(
                    () -> closeIfUnused(settings, entry),
                    KEEP_WARM.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private static synchronized void closeIfUnused(ModelSettings.Serving settings, Entry entry) {
        if (entry.users > 0 || GENERATORS.get(settings) != entry) {
            return;
        }
        GENERATORS.remove(settings);
        try {
            entry.served.generator().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (entry.drafter != null) {
            entry.drafter.close();
            SharedModels.release(settings.draft());
        }
        entry.verifier.close();
        SharedModels.release(settings.target());
    }

    private static Entry build(ModelSettings.Serving settings) throws ModelException, IOException {
        BatchingGenerator.LengthRule rule =
                switch (settings.mode()) {
                    case AD -> BatchingGenerator.LengthRule.fixed(0);
                    case SD_FIXED ->
                            BatchingGenerator.LengthRule.fixed(settings.speculationLength());
                    case SD -> {
                        MeasuredPair pair = MeasuredPair.read(Path.of(settings.plannerProfile()));
                        yield BatchingGenerator.LengthRule.planned(
                                pair.draftTime(), pair.targetTime(), pair.alpha());
                    }
                };
        LanguageModel target = SharedModels.acquire(settings.target());
        Drafter drafter = null;
        if (settings.mode() != ServingMode.AD) {
            try {
                drafter = new Drafter(SharedModels.acquire(settings.draft()), SESSIONS);
            } catch (ModelException | RuntimeException e) {
                SharedModels.release(settings.target());
                throw e;
            }
        }
        Verifier verifier = new Verifier(target, SESSIONS);
        SpeculativeGenerator generator = new SpeculativeGenerator(drafter, verifier);
        BatchingGenerator batching =
                new BatchingGenerator(
                        generator,
                        rule,
                        settings.maxBatchSize(),
                        settings.engineThreads(),
                        target.info().eosTokenId(),
                        "tandem-sql-" + settings.mode().label() + "-" + built++);
        return new Entry(
                new Served(batching, target, generator.contextLength()), drafter, verifier);
    }
}
