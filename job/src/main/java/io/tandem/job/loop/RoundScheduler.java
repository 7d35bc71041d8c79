package io.tandem.job.loop;

import io.tandem.job.config.JobConfig;
import io.tandem.job.operators.DecodeRequestFunction;
import io.tandem.job.planning.RoundPolicy;
import io.tandem.job.planning.UplinkShares;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.schemas.internal.SequenceState;
import io.tandem.udfs.LogThrottle;
import io.tandem.udfs.SequenceStates;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The head of the round loop. Admits each closed window as the batches its {@link RoundPolicy}
 * makes, and sends every batch round after round to the draft and verify stages until its last
 * sequence has finished, choosing each round's speculation length as it goes; the loop tail brings
 * each verified round back through the {@link FeedbackChannel}, with its acceptance, which the
 * policy learns from.
 *
 * <p><b>Admission.</b> A request that arrives while batches run joins one of them between its
 * rounds (iteration-level admission, as continuous-batching servers do) while the batch stays
 * within {@code maxBatchSize} requests and {@code maxBatchTokens} of KV cache; so a request waits
 * at most for a round to come back, never for a batch to finish, and the model calls it joins grow
 * instead of multiplying. Requests no running batch has room for start batches of their own, at
 * most {@code maxBatchesInFlight} at once; the rest wait in this operator's checkpointed state, in
 * a queue per tenant, tenants served in turn ({@link TenantQueues}): one tenant's burst waits in
 * its own queue, and past {@code maxWaitingPerTenant} its requests are refused with an {@code
 * OVERLOADED} dead letter, while another tenant's request waits behind at most one turn of each. A
 * tenant with {@code maxRunningPerTenant} requests running starts no more until one finishes, so
 * one tenant's burst cannot fill the batches another tenant's requests run in. The head returns
 * from every window at once, so a checkpoint barrier behind it passes at once too: blocking the
 * task thread until a batch finished would hold the barrier for up to a whole generation. Only past
 * {@code maxWaitingRequests} waiting requests does the head stop taking windows (and the job read
 * requests more slowly); a barrier then waits until a batch finishes.
 *
 * <p><b>Sequence state and results.</b> The head keeps the latest version of every batch in flight
 * (all tokens generated so far) and checkpoints it. It also emits the results ({@link #RESULTS}),
 * as the tail hands them back with their rounds: a result leaves on the thread that checkpoints
 * which sequences are unfinished, so a checkpoint either records a request as finished and has its
 * result before its barrier, or records it unfinished and has no result of it. After a failover or
 * rescale the head re-emits the batches in flight: the rounds since the checkpoint run again
 * (greedy output is the same; the draft and verify stages rebuild their KV caches by prefill). With
 * a transactional results sink the results emitted after the checkpoint were never committed, so
 * each request is answered once; with an at-least-once sink they were written, and are written
 * again.
 *
 * <p><b>Request ids.</b> A request whose id this head is already serving is refused with a {@code
 * BAD_PARAMETER} dead letter on {@link #REFUSED} ({@link RequestsInFlight}).
 *
 * <p>The tail hands each verified round to this task's mailbox, so all state is touched on the task
 * thread and an idle loop costs no CPU (a processing-time timer would add at least a millisecond
 * per round).
 */
public final class RoundScheduler extends AbstractStreamOperator<RoundBatch>
        implements OneInputStreamOperator<Batch, RoundBatch>, BoundedOneInput {

    private static final Logger LOG = LoggerFactory.getLogger(RoundScheduler.class);

    /**
     * Requests refused: their id is already being served ({@link RequestsInFlight}), or their
     * tenant's queue is full ({@link TenantQueues}).
     */
    public static final OutputTag<DeadLetter> REFUSED =
            new OutputTag<>("refused-requests", TypeInformation.of(DeadLetter.class));

    /** One result per request served. */
    public static final OutputTag<InferenceResult> RESULTS =
            new OutputTag<>("results", new AvroTypeInfo<>(InferenceResult.class));

    private final RoundPolicy policy;
    private final String loop;
    private final int maxInFlight;
    private final int maxWaitingRequests;
    private final int maxWaitingPerTenant;
    private final int maxRunningPerTenant;
    private final double uplinkBandwidthHz;
    private final int maxBatchSize;
    private final long maxBatchTokens;
    private final transient MailboxExecutor mailbox;

    private transient Map<String, RoundBatch> inFlight;
    private transient ListState<RoundBatch> inFlightState;
    private transient TenantQueues waiting;
    private transient ListState<Batch> waitingState;
    private transient long epoch;
    private transient int subtask;
    private transient Counter roundsStarted;
    private transient Counter requestsJoined;
    private transient Counter requestsDuplicated;
    private transient Counter requestsOverloaded;
    private transient Counter deadlinesMet;
    private transient Counter deadlinesMissed;
    private transient RequestsInFlight requests;
    private transient LogThrottle duplicateLog;
    private transient LogThrottle overloadLog;
    private transient Histogram chosenLength;
    private transient Histogram overheadMicros;

    RoundScheduler(
            StreamOperatorParameters<RoundBatch> parameters,
            RoundPolicy policy,
            String loop,
            JobConfig.Generation generation) {
        super(parameters);
        this.policy = policy;
        this.loop = loop;
        this.maxInFlight = generation.maxBatchesInFlight();
        this.maxWaitingRequests = generation.maxWaitingRequests();
        this.maxWaitingPerTenant = generation.maxWaitingPerTenant();
        this.maxRunningPerTenant = generation.maxRunningPerTenant();
        this.uplinkBandwidthHz = generation.uplinkBandwidthHz();
        // a window shares one uplink band, so in wireless mode its requests start together
        this.maxBatchSize = generation.wireless() ? 1 : generation.maxBatchSize();
        this.maxBatchTokens = generation.maxBatchTokens();
        this.mailbox = parameters.getMailboxExecutor();
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        inFlight = new LinkedHashMap<>();
        inFlightState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "batches-in-flight", new AvroTypeInfo<>(RoundBatch.class)));
        waiting = new TenantQueues(maxWaitingPerTenant, maxRunningPerTenant);
        for (RoundBatch batch : inFlightState.get()) {
            inFlight.put(batch.getBatchId(), batch);
            batch.getSequences().forEach(s -> waiting.restoreRunning(s.getAdmitted()));
        }
        waitingState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "windows-waiting", new AvroTypeInfo<>(Batch.class)));
        waiting.restore(waitingState.get());
        requests = new RequestsInFlight();
        requests.restore(inFlight.values(), waitingState.get());
    }

    @Override
    public void open() throws Exception {
        super.open();
        subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("tandem");
        policy.open(metrics);
        roundsStarted = metrics.counter("roundsStarted");
        requestsJoined = metrics.counter("requestsJoined");
        requestsDuplicated = metrics.counter("requestsDuplicated");
        requestsOverloaded = metrics.counter("requestsOverloaded");
        deadlinesMet = metrics.counter("deadlinesMet");
        deadlinesMissed = metrics.counter("deadlinesMissed");
        duplicateLog = new LogThrottle(DecodeRequestFunction.DEAD_LETTER_LOG_INTERVAL_MS);
        overloadLog = new LogThrottle(DecodeRequestFunction.DEAD_LETTER_LOG_INTERVAL_MS);
        metrics.gauge("batchesInFlight", (Gauge<Integer>) () -> inFlight.size());
        metrics.gauge("requestsWaiting", (Gauge<Integer>) () -> waiting.size());
        chosenLength =
                metrics.histogram(
                        "chosenSpeculationLength", new DescriptiveStatisticsHistogram(1000));
        overheadMicros =
                metrics.histogram("loopOverheadMicros", new DescriptiveStatisticsHistogram(1000));
        // a new run: rounds stamped with an older epoch are replays the tail drops
        epoch = ThreadLocalRandom.current().nextLong();
        FeedbackChannel.openHead(jobId(), loop, subtask, epoch, this::receive);
        if (!inFlight.isEmpty() || !waiting.isEmpty()) {
            LOG.info(
                    "Loop head {} resumes {} batches in flight and {} requests waiting from the"
                            + " checkpoint",
                    subtask,
                    inFlight.size(),
                    waiting.size());
            List<RoundBatch> restored = new ArrayList<>(inFlight.values());
            mailbox.execute(
                    () -> {
                        restored.forEach(this::resume);
                        admitWaiting();
                    },
                    "resume batches in flight");
        }
    }

    /**
     * Takes a closed window: it starts at once if fewer than {@code maxBatchesInFlight} batches are
     * in flight, else it waits in state. Blocks (running the mailbox, so batches go on) only while
     * {@code maxWaitingRequests} requests already wait: that holds back the input, so an overloaded
     * loop slows reading from Kafka instead of piling up windows.
     */
    @Override
    public void processElement(StreamRecord<Batch> element) throws InterruptedException {
        while (inFlight.size() >= maxInFlight && waiting.size() >= maxWaitingRequests) {
            mailbox.yield();
        }
        Batch window = requests.admit(element.getValue(), this::refuseDuplicate);
        if (window == null) {
            return;
        }
        for (AdmittedRequest refused : waiting.offer(window)) {
            refuseOverloaded(refused);
        }
        admitWaiting();
    }

    private void refuseOverloaded(AdmittedRequest request) {
        requests.forget(request.getRequest().getRequestId());
        refuse(
                request,
                requestsOverloaded,
                overloadLog,
                "tenant " + request.getRequest().getTenantId() + " has its queue full",
                now -> RequestsInFlight.overloaded(request, maxWaitingPerTenant, now));
    }

    private void refuseDuplicate(AdmittedRequest request) {
        refuse(
                request,
                requestsDuplicated,
                duplicateLog,
                "its id is already being served",
                now -> RequestsInFlight.deadLetter(request, now));
    }

    /** Dead-letters {@code request}, logging why at most once a second. */
    private void refuse(
            AdmittedRequest request,
            Counter counter,
            LogThrottle log,
            String why,
            LongFunction<DeadLetter> letter) {
        counter.inc();
        long now = System.currentTimeMillis();
        long quiet = log.quietSince(now);
        if (quiet >= 0) {
            LOG.info(
                    "Dead-lettered {} (request {}): {}{}",
                    request.getSource(),
                    request.getRequest().getRequestId(),
                    why,
                    LogThrottle.heldBack(quiet));
        }
        output.collect(REFUSED, new StreamRecord<>(letter.apply(now)));
    }

    /**
     * Starts waiting windows (each tenant's part of one) as batches of their own, tenants in turn,
     * while there is room in the loop and no running batch can take the next waiting request: one
     * that can joins that batch when its round comes back, which costs at most a round's wait and
     * no batch of its own.
     */
    private void admitWaiting() {
        while (inFlight.size() < maxInFlight && waiting.peek() != null && !joinable()) {
            admit(waiting.pollWindow());
        }
    }

    /** Whether a batch in flight has room for the next waiting request (there is one). */
    private boolean joinable() {
        AdmittedRequest next = waiting.peek();
        for (RoundBatch batch : inFlight.values()) {
            List<SequenceState> sequences = batch.getSequences();
            if (!sequences.isEmpty()
                    && sequences.size() < maxBatchSize
                    && kvTokens(sequences) + kvTokens(next) <= maxBatchTokens) {
                return true;
            }
        }
        return false;
    }

    /**
     * Iteration-level admission: moves waiting requests, tenants in turn, into {@code sequences} (a
     * running batch's, about to start its next round) while the batch stays within {@code
     * maxBatchSize} and {@code maxBatchTokens}. A joining request runs with the batch from this
     * round on; its draft and verify sessions are built by prefill in the round's calls.
     */
    private List<SequenceState> join(List<SequenceState> sequences) {
        if (sequences.isEmpty() || sequences.size() >= maxBatchSize) {
            return sequences;
        }
        List<SequenceState> joined = new ArrayList<>(sequences);
        long tokens = kvTokens(sequences);
        long now = System.currentTimeMillis();
        for (AdmittedRequest next = waiting.peek();
                next != null && joined.size() < maxBatchSize;
                next = waiting.peek()) {
            if (tokens + kvTokens(next) > maxBatchTokens) {
                break;
            }
            TenantQueues.Waiting taken = waiting.pollRequest();
            tokens += kvTokens(next);
            double admissionMs = Math.max(0, now - taken.windowClosed().toEpochMilli());
            SequenceState state = firstState(next, Map.of(), admissionMs);
            state.setWindowClosedTime(taken.windowClosed());
            joined.add(state);
            requestsJoined.inc();
        }
        return joined;
    }

    /** KV-cache tokens a batch's sequences may need: prompts plus their most new tokens. */
    private static long kvTokens(List<SequenceState> sequences) {
        long tokens = 0;
        for (SequenceState sequence : sequences) {
            tokens += kvTokens(sequence.getAdmitted());
        }
        return tokens;
    }

    private static long kvTokens(AdmittedRequest request) {
        return request.getPromptTokenIds().size() + request.getRequest().getMaxNewTokens();
    }

    /** Starts the batches {@code window} makes. */
    private void admit(Batch window) {
        Map<String, UplinkShares.Share> shares =
                uplinkBandwidthHz > 0
                        ? UplinkShares.allocate(window.getRequests(), uplinkBandwidthHz)
                        : Map.of();
        double admissionMs =
                Math.max(0, System.currentTimeMillis() - window.getClosedTime().toEpochMilli());
        for (Batch batch : policy.admit(window)) {
            RoundBatch first =
                    RoundBatch.newBuilder()
                            .setBatchId(batch.getBatchId())
                            .setClosedTime(batch.getClosedTime())
                            .setBatchSize(batch.getRequests().size())
                            .setMode(policy.mode().label())
                            .setPlan(batch.getPlan())
                            .setLoopSubtask(subtask)
                            .setRound(0)
                            .setSpeculationLength(0)
                            .setSequences(
                                    batch.getRequests().stream()
                                            .map(r -> firstState(r, shares, admissionMs))
                                            .toList())
                            .setReport(RoundReport.newBuilder().build())
                            .build();
            start(first);
        }
    }

    /**
     * A request's first state, with the time its window waited here and its share of the uplink
     * band in wireless mode.
     */
    private static SequenceState firstState(
            AdmittedRequest request, Map<String, UplinkShares.Share> shares, double admissionMs) {
        SequenceState state = SequenceStates.start(request);
        state.setAdmissionMs(admissionMs);
        UplinkShares.Share share = shares.get(request.getRequest().getRequestId());
        if (share != null) {
            state.setUplinkShare(share.fraction());
            state.setUploadMs(share.uploadMs());
        }
        return state;
    }

    /**
     * Waits for every batch in flight and waiting: a bounded input ends only when its last result
     * is out.
     */
    @Override
    public void endInput() throws InterruptedException {
        while (!inFlight.isEmpty() || !waiting.isEmpty()) {
            mailbox.yield();
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        inFlightState.update(new ArrayList<>(inFlight.values()));
        waitingState.update(waiting.toWindows());
    }

    @Override
    public void close() throws Exception {
        FeedbackChannel.close(jobId(), loop, subtask);
        super.close();
    }

    /** Takes a verified round from the tail, on the tail's thread, into this task's mailbox. */
    private void receive(RoundBatch verified) {
        try {
            mailbox.execute(() -> onVerified(verified), "verified round");
        } catch (RejectedExecutionException closing) {
            // the task is closing: its restored state re-emits the batch
        }
    }

    /** A round came back from the tail: learn from it, then start the next one or let go. */
    private void onVerified(RoundBatch batch) {
        RoundBatch sent = inFlight.get(batch.getBatchId());
        if (sent == null || sent.getRound() != batch.getRound()) {
            return; // not the round this head is waiting for: a replay the tail let through
        }
        requests.finished(batch);
        batch.getReleased().forEach(waiting::released);
        for (InferenceResult result : batch.getResults()) {
            if (result.getDeadlineMet() != null) {
                (result.getDeadlineMet() ? deadlinesMet : deadlinesMissed).inc();
            }
            output.collect(RESULTS, new StreamRecord<>(result));
        }
        RoundReport report = batch.getReport();
        double hopMs = (System.nanoTime() - report.getFeedbackNanos()) / 1e6;
        double overheadMs = report.getForwardOverheadMs() + hopMs;
        overheadMicros.update(Math.round(1000 * overheadMs));
        policy.observe(batch, overheadMs);
        if (batch.getSequences().isEmpty()) {
            inFlight.remove(batch.getBatchId());
            admitWaiting();
            return;
        }
        List<SequenceState> sequences =
                join(
                        SequenceStates.each(
                                batch.getSequences(),
                                s -> s.setOverheadMs(s.getOverheadMs() + hopMs)));
        start(
                RoundBatch.newBuilder(batch)
                        .setRound(batch.getRound() + 1)
                        .setBatchSize(Math.max(batch.getBatchSize(), sequences.size()))
                        .setSequences(sequences)
                        .setResults(List.of())
                        // where the last round ran: the policy prices the next on those workers
                        .setReport(
                                RoundReport.newBuilder()
                                        .setDraftTaskManager(report.getDraftTaskManager())
                                        .setVerifyTaskManager(report.getVerifyTaskManager())
                                        .build())
                        .build());
        admitWaiting();
    }

    /** A batch restored from a checkpoint, whose last round may have been lost. */
    private void resume(RoundBatch batch) {
        RoundBatch owned =
                RoundBatch.newBuilder(batch)
                        .setSequences(
                                SequenceStates.each(
                                        batch.getSequences(),
                                        s -> s.setResumes(s.getResumes() + 1)))
                        .setLoopSubtask(subtask)
                        .setDrafts(List.of())
                        .setResults(List.of())
                        .setReport(RoundReport.newBuilder().build())
                        .build();
        start(owned);
    }

    private void start(RoundBatch batch) {
        int length = policy.speculationLength(batch);
        batch.setSpeculationLength(length);
        batch.setEpoch(epoch);
        batch.getReport().setHeadEmitNanos(System.nanoTime());
        inFlight.put(batch.getBatchId(), batch);
        roundsStarted.inc();
        chosenLength.update(length);
        output.collect(new StreamRecord<>(batch));
    }

    private String jobId() {
        return getRuntimeContext().getJobInfo().getJobId().toString();
    }
}
