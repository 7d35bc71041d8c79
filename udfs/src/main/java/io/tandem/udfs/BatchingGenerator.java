package io.tandem.udfs;

import io.tandem.model.EngineThreads;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.planner.GoodputLength;
import io.tandem.planner.cost.OnlineCostModel;
import io.tandem.planner.cost.OnlineCostModel.Stage;
import io.tandem.planner.cost.StepTime;
import io.tandem.speculative.AcceptanceStats;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continuous batching in one process, for callers that hand over one request at a time from many
 * threads (a SQL function's rows, say): requests join the running batch between rounds, together
 * once a {@code 1/}{@link #JOIN_FRACTION} of its {@code maxBatchSize} places are free, and leave it
 * when they finish, so concurrent requests share model calls instead of queueing for one each. One
 * worker thread runs the rounds, each at the speculation length the {@link LengthRule} picks for
 * the batch as it stands.
 *
 * <p>Thread-safe. Does not own the generator's models.
 */
public final class BatchingGenerator implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchingGenerator.class);

    /** The longest speculation length the planned rule prices. */
    public static final int MAX_SPECULATION = 8;

    /**
     * Newcomers join a running batch once a {@code 1/JOIN_FRACTION} of its places are free, not one
     * by one: a join prefills the newcomers in a pass of their own and lays the batch's caches out
     * anew, a cost per join that speculation, whose sequences finish a round or two apart, would
     * otherwise pay nearly every round.
     */
    static final int JOIN_FRACTION = 4;

    /** Rounds of a batch size after which the planned rule measures a neighbouring length again. */
    static final int STALE_ROUNDS = 48;

    /** How a batch's next speculation length is chosen. */
    public interface LengthRule {

        /** The length of the next round of {@code batch} (none finished); 0 decodes plainly. */
        int next(List<SequenceProgress> batch);

        /**
         * Learns from a round just run: {@code batch} as it went in, at {@code length}, and what
         * came out.
         */
        default void observe(
                List<SequenceProgress> batch, int length, SpeculativeGenerator.Step step) {}

        /** Always {@code length}: {@code sd-fixed}, or 0 for the target alone ({@code ad}). */
        static LengthRule fixed(int length) {
            return batch -> length;
        }

        /**
         * Mode {@code sd}: the goodput rule ({@link GoodputLength}) for the batch as it stands,
         * plain decoding included: the length with the least predicted round time per expected
         * token, at the acceptance the rounds so far show ({@code alpha} before them). Call times
         * are priced by an {@link OnlineCostModel} fitted to this generator's own calls, with the
         * pair's profile ({@code draft}, {@code target}) as its prior, as the job's loop head
         * prices them. One worker runs every round, so no stage waits for another. What the lengths
         * then cost overrules the prices ({@link MeasuredRounds}): on a compute-bound worker a big
         * batch decodes plainly where verifying drafts costs more than they save, however the
         * profile's shape prices them.
         */
        static LengthRule planned(StepTime draft, StepTime target, double alpha) {
            AcceptanceTracker tracker = new AcceptanceTracker(AcceptanceTracker.RECENT_ROUNDS);
            tracker.assume(alpha, AcceptanceTracker.PRIOR_ROUNDS);
            OnlineCostModel costs = new OnlineCostModel(draft, target);
            MeasuredRounds measured = new MeasuredRounds(MAX_SPECULATION, STALE_ROUNDS);
            return new LengthRule() {
                @Override
                public int next(List<SequenceProgress> batch) {
                    // one worker runs every round: no stage waits, and no trip costs extra
                    GoodputLength.RoundCosts priced =
                            costs.roundCosts(
                                    null,
                                    null,
                                    batch.size(),
                                    meanContext(batch),
                                    MAX_SPECULATION,
                                    0,
                                    1);
                    return measured.next(
                            batch.size(),
                            GoodputLength.best(
                                    measured.correct(batch.size(), priced), tracker.estimate(), 0));
                }

                @Override
                public void observe(
                        List<SequenceProgress> batch, int length, SpeculativeGenerator.Step step) {
                    int n = batch.size();
                    double context = meanContext(batch);
                    int prefills = 0;
                    int prefillTokens = 0;
                    for (SequenceProgress sequence : batch) {
                        if (sequence.generatedCount() == 0) {
                            // a newcomer's sessions are built by prefilling its prompt in the call
                            prefills++;
                            prefillTokens += sequence.request().promptLength();
                        }
                    }
                    if (prefills == 0) {
                        // a newcomer's prefill would be charged to whichever length it came at
                        measured.record(n, length, step.draftMillis(), step.verifyMillis());
                    }
                    if (length > 0) {
                        tracker.record(step.acceptance());
                        costs.observe(
                                Stage.DRAFT,
                                new OnlineCostModel.Call(
                                        "",
                                        n,
                                        1,
                                        length,
                                        context,
                                        step.draftMillis(),
                                        0,
                                        n,
                                        prefills,
                                        prefillTokens));
                    }
                    costs.observe(
                            Stage.VERIFY,
                            new OnlineCostModel.Call(
                                    "",
                                    n,
                                    length + 1,
                                    1,
                                    context,
                                    step.verifyMillis(),
                                    0,
                                    n,
                                    prefills,
                                    prefillTokens));
                }
            };
        }

        private static double meanContext(List<SequenceProgress> batch) {
            double tokens = 0;
            for (SequenceProgress sequence : batch) {
                tokens += sequence.request().promptLength() + sequence.generatedCount();
            }
            return tokens / Math.max(1, batch.size());
        }
    }

    /** Rounds run and the sequences in them, for the mean batch size. */
    public record Stats(long rounds, long sequenceRounds, long requests) {

        public double meanBatchSize() {
            return rounds == 0 ? 0 : (double) sequenceRounds / rounds;
        }
    }

    private record Pending(
            GenerationRequest request, CompletableFuture<SpeculativeGeneration> done) {}

    /** A request in the running batch. */
    private static final class Running {
        final CompletableFuture<SpeculativeGeneration> done;
        SequenceProgress progress;
        int rounds;
        AcceptanceStats acceptance = AcceptanceStats.none();

        Running(Pending pending, int eosTokenId) {
            this.done = pending.done();
            this.progress = SequenceProgress.start(pending.request(), eosTokenId);
        }
    }

    private final SpeculativeGenerator generator;
    private final LengthRule rule;
    private final int maxBatchSize;
    private final int engineThreads;
    private final int joinSlots;
    private final int eosTokenId;
    private final BlockingQueue<Pending> waiting = new LinkedBlockingQueue<>();
    private final Thread worker;
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong sequenceRounds = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong drafted = new AtomicLong();
    private volatile boolean closed;

    /**
     * Starts the worker thread, named {@code name}.
     *
     * @param engineThreads the PyTorch threads of the worker's model calls ({@link EngineThreads});
     *     0 for the process's count
     * @param eosTokenId the target's end-of-sequence token
     */
    public BatchingGenerator(
            SpeculativeGenerator generator,
            LengthRule rule,
            int maxBatchSize,
            int engineThreads,
            int eosTokenId,
            String name) {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize must be >= 1, got " + maxBatchSize);
        }
        if (engineThreads < 0) {
            throw new IllegalArgumentException("engineThreads must be >= 0, got " + engineThreads);
        }
        this.generator = generator;
        this.rule = rule;
        this.maxBatchSize = maxBatchSize;
        this.engineThreads = engineThreads;
        this.joinSlots = Math.max(1, maxBatchSize / JOIN_FRACTION);
        this.eosTokenId = eosTokenId;
        this.worker = new Thread(this::serve, name);
        worker.setDaemon(true);
        worker.start();
    }

    /**
     * Queues {@code request}; the future completes with its generation, or exceptionally with an
     * {@link IllegalArgumentException} if it does not fit the models' context, a {@link
     * ModelException} if a model fails in a round it is in, or an {@link IllegalStateException}
     * once closed.
     */
    public CompletableFuture<SpeculativeGeneration> submit(GenerationRequest request) {
        CompletableFuture<SpeculativeGeneration> done = new CompletableFuture<>();
        try {
            generator.requireFits(request);
        } catch (IllegalArgumentException e) {
            done.completeExceptionally(e);
            return done;
        }
        if (closed) {
            done.completeExceptionally(new IllegalStateException("the generator is closed"));
            return done;
        }
        requests.incrementAndGet();
        waiting.add(new Pending(request, done));
        return done;
    }

    public Stats stats() {
        return new Stats(rounds.get(), sequenceRounds.get(), requests.get());
    }

    private void serve() {
        List<Running> batch = new ArrayList<>();
        if (engineThreads > 0) {
            EngineThreads.use(engineThreads);
        }
        try {
            while (!closed) {
                if (batch.isEmpty()) {
                    Pending first = waiting.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(new Running(first, eosTokenId));
                }
                if (maxBatchSize - batch.size() >= joinSlots) {
                    for (Pending next = waiting.poll();
                            next != null;
                            next = batch.size() < maxBatchSize ? waiting.poll() : null) {
                        batch.add(new Running(next, eosTokenId));
                    }
                }
                try {
                    round(batch);
                } catch (ModelException | RuntimeException e) {
                    LOG.warn("A round of {} requests failed: {}", batch.size(), e.toString());
                    batch.forEach(r -> r.done.completeExceptionally(e));
                    batch.clear();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IllegalStateException gone = new IllegalStateException("the generator is closed");
        batch.forEach(r -> r.done.completeExceptionally(gone));
        for (Pending pending = waiting.poll(); pending != null; pending = waiting.poll()) {
            pending.done().completeExceptionally(gone);
        }
    }

    /** One round of every request in {@code batch}; the finished ones leave it, answered. */
    private void round(List<Running> batch) throws ModelException {
        List<SequenceProgress> sequences = new ArrayList<>(batch.size());
        batch.forEach(r -> sequences.add(r.progress));
        int length = rule.next(sequences);
        SpeculativeGenerator.Step step = generator.step(sequences, length);
        rule.observe(sequences, length, step);
        rounds.incrementAndGet();
        sequenceRounds.addAndGet(batch.size());
        drafted.addAndGet(length);
        Iterator<Running> it = batch.iterator();
        for (int k = 0; it.hasNext(); k++) {
            Running running = it.next();
            running.progress = step.advanced().get(k);
            running.rounds++;
            running.acceptance = running.acceptance.plus(step.verifications().get(k));
            if (running.progress.finished()) {
                it.remove();
                running.done.complete(
                        new SpeculativeGeneration(
                                running.progress.generation(), running.rounds, running.acceptance));
            }
        }
    }

    /** Stops the worker; what is queued or running fails with an {@link IllegalStateException}. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        worker.join();
        Stats stats = stats();
        LOG.info(
                "{} served {} requests in {} rounds, {} sequences a round on average, {} tokens"
                        + " drafted a round on average",
                worker.getName(),
                stats.requests(),
                stats.rounds(),
                String.format("%.1f", stats.meanBatchSize()),
                String.format(
                        "%.2f",
                        stats.rounds() == 0 ? 0.0 : (double) drafted.get() / stats.rounds()));
    }
}
