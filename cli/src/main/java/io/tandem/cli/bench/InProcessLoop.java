package io.tandem.cli.bench;

import io.tandem.cli.bench.WindowReplay.Served;
import io.tandem.cli.bench.WindowReplay.ServedBatch;
import io.tandem.cli.bench.WindowReplay.Timing;
import io.tandem.cli.bench.WindowReplay.Window;
import io.tandem.job.config.JobConfig;
import io.tandem.job.planning.WindowPlanner;
import io.tandem.model.CausalLm;
import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.planner.batching.BatchPlan;
import io.tandem.planner.batching.PlannedBatch;
import io.tandem.profile.MeasuredPair;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.udfs.AcceptanceTracker;
import io.tandem.udfs.Drafter;
import io.tandem.udfs.ServingMode;
import io.tandem.udfs.SpeculativeGeneration;
import io.tandem.udfs.SpeculativeGenerator;
import io.tandem.udfs.Verifier;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The job's three modes as a plain loop in this JVM: the same models, the same windows (replayed by
 * {@link WindowReplay}), the same planner on the same profile in mode {@code sd}, the same
 * speculation length in {@code sd-fixed}, and the target alone in {@code ad}. What it leaves out is
 * what the full path adds: Kafka in and out, Flink's operators and their hand-offs. Not
 * thread-safe.
 */
final class InProcessLoop implements AutoCloseable {

    private static final SessionLimits SESSIONS =
            new SessionLimits(4096, 1L << 30, Duration.ofMinutes(5));

    private final CausalLm target;
    private final CausalLm draft;
    private final Drafter drafter;
    private final Verifier verifier;
    private final SpeculativeGenerator speculative;
    private final WindowPlanner planner;
    private final Map<Integer, AcceptanceTracker> trackers = new HashMap<>();
    private final double alpha;

    /**
     * @param config a configuration in a speculative mode: the target, draft and profile to use
     */
    InProcessLoop(JobConfig config) throws ModelException, IOException {
        JobConfig.Generation generation = config.generation();
        MeasuredPair pair = MeasuredPair.read(Path.of(generation.plannerProfile()));
        planner = new WindowPlanner(pair.costs());
        alpha = pair.alpha();
        target = CausalLm.load(Path.of(generation.modelDir()));
        CausalLm loaded = null;
        try {
            loaded = CausalLm.load(Path.of(generation.draftDir()));
        } finally {
            if (loaded == null) {
                target.close();
            }
        }
        draft = loaded;
        drafter = new Drafter(draft, SESSIONS);
        verifier = new Verifier(target, SESSIONS);
        speculative = new SpeculativeGenerator(drafter, verifier);
    }

    /**
     * Serves {@code workload} arriving at {@code arrivals} in {@code mode}, with the window rule
     * and lanes of {@code config}; one outcome per request, in request order.
     *
     * @param served called once per request served, for progress
     */
    List<RequestOutcome> run(
            ServingMode mode,
            int speculationLength,
            PipelineWorkload workload,
            double[] arrivals,
            JobConfig config,
            Consumer<Integer> served)
            throws ModelException {
        int n = workload.size();
        List<GenerationRequest> requests = new ArrayList<>(n);
        int[] lanes = new int[n];
        int laneCount = config.batching().lanes();
        for (int i = 0; i < n; i++) {
            String id = PipelineWorkload.id(i);
            requests.add(
                    new GenerationRequest(
                            id,
                            target.tokenizer().encode(workload.prompts().get(i)),
                            workload.maxNewTokens(),
                            SamplingConfig.greedy()));
            // as BatchLaneSelector spreads requests over lanes
            lanes[i] = Math.floorMod(id.hashCode(), laneCount);
        }
        warmUp(mode, speculationLength, requests.get(0));
        trackers.clear(); // a fresh job starts with fresh trackers

        Result[] results = new Result[n];
        WindowReplay.Server server =
                window -> {
                    Served s = serve(mode, speculationLength, requests, window, results);
                    served.accept(window.requests().length);
                    return s;
                };
        Timing[] timings =
                WindowReplay.replay(
                        arrivals,
                        lanes,
                        config.parallelism(),
                        config.batching().maxSize(),
                        config.batching().maxWait().toMillis(),
                        config.batching().idleArrivals(),
                        server);

        List<RequestOutcome> outcomes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Timing t = timings[i];
            Result r = results[i];
            SpeculativeGeneration g = r.generation();
            outcomes.add(
                    new RequestOutcome(
                            PipelineWorkload.id(i),
                            t.latencyMs(),
                            t.endMs() - arrivals[0],
                            Arrays.stream(g.generation().tokens()).boxed().toList(),
                            g.rounds(),
                            (int) g.acceptance().totalDrafted(),
                            (int) g.acceptance().totalAccepted(),
                            r.batchId(),
                            r.windowId(),
                            r.speculationLength(),
                            List.of(),
                            0,
                            t.closeMs() - t.arrivalMs(),
                            0,
                            t.startMs() - t.closeMs(),
                            t.endMs() - t.startMs(),
                            0,
                            0,
                            0));
        }
        return outcomes;
    }

    private record Result(
            SpeculativeGeneration generation,
            String batchId,
            String windowId,
            int speculationLength) {}

    private Served serve(
            ServingMode mode,
            int speculationLength,
            List<GenerationRequest> requests,
            Window window,
            Result[] results)
            throws ModelException {
        String windowId = "w" + window.lane() + "-" + (long) window.closeMs();
        int[] members = window.requests();
        double planMs = 0;
        List<int[]> batches = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        List<double[]> roundMillis = new ArrayList<>();
        // as the job's loop head does: one tracker per head (lane), fed every verified round
        AcceptanceTracker tracker =
                trackers.computeIfAbsent(
                        window.lane(),
                        lane -> {
                            AcceptanceTracker t =
                                    new AcceptanceTracker(AcceptanceTracker.RECENT_ROUNDS);
                            t.assume(alpha, AcceptanceTracker.PRIOR_ROUNDS);
                            return t;
                        });
        if (mode == ServingMode.SD) {
            List<AdmittedRequest> admitted = new ArrayList<>();
            for (int i : members) {
                admitted.add(admitted(requests.get(i)));
            }
            long start = System.nanoTime();
            BatchPlan plan = planner.plan(admitted, tracker.estimate());
            planMs = (System.nanoTime() - start) / 1e6;
            for (PlannedBatch planned : plan.batches()) {
                batches.add(Arrays.stream(planned.requestIndices()).map(k -> members[k]).toArray());
                lengths.add(planned.speculationLength());
                roundMillis.add(planner.roundMillis(planned.shape()));
            }
        } else {
            batches.add(members);
            lengths.add(mode == ServingMode.AD ? 0 : speculationLength);
        }
        List<ServedBatch> served = new ArrayList<>();
        for (int b = 0; b < batches.size(); b++) {
            int[] batch = batches.get(b);
            List<GenerationRequest> batchRequests =
                    Arrays.stream(batch).mapToObj(requests::get).toList();
            long start = System.nanoTime();
            List<SpeculativeGeneration> generations =
                    mode == ServingMode.SD
                            ? generatePlanned(
                                    batchRequests, lengths.get(b), roundMillis.get(b), tracker)
                            : generate(mode, lengths.get(b), batchRequests);
            served.add(new ServedBatch(batch, (System.nanoTime() - start) / 1e6));
            for (int k = 0; k < batch.length; k++) {
                results[batch[k]] =
                        new Result(
                                generations.get(k), windowId + "-" + b, windowId, lengths.get(b));
            }
        }
        return new Served(planMs, served);
    }

    /**
     * Mode sd round by round, as the job runs it: the planner's length first, then the length the
     * tracker's latest estimate makes best, recording every round.
     */
    private List<SpeculativeGeneration> generatePlanned(
            List<GenerationRequest> batch,
            int firstLength,
            double[] roundMillis,
            AcceptanceTracker tracker)
            throws ModelException {
        SpeculativeGenerator.Run run = speculative.start(batch, firstLength);
        int length = firstLength;
        while (!run.finished()) {
            tracker.record(run.round(length));
            length = tracker.choose(roundMillis);
        }
        return run.results();
    }

    private List<SpeculativeGeneration> generate(
            ServingMode mode, int speculationLength, List<GenerationRequest> batch)
            throws ModelException {
        if (mode != ServingMode.AD) {
            return speculative.generate(batch, speculationLength);
        }
        List<SpeculativeGeneration> generations = new ArrayList<>(batch.size());
        for (Generation g : target.generate(batch)) {
            boolean eos = g.finishReason() == FinishReason.EOS;
            // one target call per token, and one more that produced the end of sequence
            generations.add(
                    new SpeculativeGeneration(
                            g, g.tokens().length + (eos ? 1 : 0), AcceptanceStats.none()));
        }
        return generations;
    }

    /** Greedy decoding with the target alone, one request at a time: the lossless reference. */
    Map<String, List<Integer>> targetAlone(PipelineWorkload workload) throws ModelException {
        Map<String, List<Integer>> tokens = new HashMap<>();
        for (int i = 0; i < workload.size(); i++) {
            GenerationRequest request =
                    new GenerationRequest(
                            PipelineWorkload.id(i),
                            target.tokenizer().encode(workload.prompts().get(i)),
                            workload.maxNewTokens(),
                            SamplingConfig.greedy());
            Generation g = target.generate(List.of(request)).get(0);
            tokens.put(request.id(), Arrays.stream(g.tokens()).boxed().toList());
        }
        return tokens;
    }

    /** One untimed batch, so the first timed call pays no first-call cost. */
    private void warmUp(ServingMode mode, int speculationLength, GenerationRequest request)
            throws ModelException {
        generate(
                mode,
                speculationLength,
                List.of(
                        new GenerationRequest(
                                "warm-up",
                                request.promptTokens(),
                                Math.min(16, request.maxNewTokens()),
                                SamplingConfig.greedy())));
    }

    private static AdmittedRequest admitted(GenerationRequest request) {
        return AdmittedRequest.newBuilder()
                .setRequest(
                        InferenceRequest.newBuilder()
                                .setRequestId(request.id())
                                .setPrompt("")
                                .setMaxNewTokens(request.maxNewTokens())
                                .setClientSendTime(Instant.EPOCH)
                                .build())
                .setPromptTokenIds(Arrays.stream(request.promptTokens()).boxed().toList())
                .setArrivalTime(Instant.EPOCH)
                .build();
    }

    @Override
    public void close() {
        drafter.close();
        verifier.close();
        draft.close();
        target.close();
    }
}
