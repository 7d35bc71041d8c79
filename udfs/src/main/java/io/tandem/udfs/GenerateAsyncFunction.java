package io.tandem.udfs;

import io.tandem.model.CausalLm;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.Placement;
import io.tandem.schemas.PlanDecision;
import io.tandem.schemas.Sampling;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.udfs.Results.BatchWork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates the output of a whole batch, with the target model alone (mode {@code ad}) or with a
 * draft model speculating for it: at the planner's speculation length when the batch carries a plan
 * (mode {@code sd}), else at the configured one ({@code sd-fixed}). Emits one {@link
 * InferenceResult} per request. Model calls run on one worker thread per subtask, so the task
 * thread never blocks and batches queue up to the operator's capacity.
 *
 * <p>A request never goes without a result: if the model fails or the batch times out, every
 * request of the batch gets a result with finish reason {@code ERROR} and the cause.
 *
 * <p>Metrics: see {@link GenerationMetrics}.
 */
public class GenerateAsyncFunction extends RichAsyncFunction<Batch, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(GenerateAsyncFunction.class);

    static final String AUTOREGRESSIVE = "ad";
    static final String SPECULATIVE_FIXED = "sd-fixed";
    static final String SPECULATIVE_PLANNED = "sd";

    private static final SessionLimits SESSIONS =
            new SessionLimits(4096, 1L << 30, Duration.ofMinutes(5));

    private final String modelDir;
    private final String draftDir;
    private final int speculationLength;

    private transient CausalLm model;
    private transient CausalLm draftModel;
    private transient SpeculativeGenerator speculative;
    private transient Drafter drafter;
    private transient Verifier verifier;
    private transient String mode;
    private transient ExecutorService worker;
    private transient Placement placement;
    private transient GenerationMetrics metrics;
    private transient AcceptanceTracker acceptance;

    /** Autoregressive generation with the model in {@code modelDir}. */
    public GenerateAsyncFunction(String modelDir) {
        this(modelDir, null, 0);
    }

    /**
     * Speculative generation with the target in {@code modelDir} and the draft in {@code draftDir}
     * (autoregressive when {@code draftDir} is null), drafting {@code speculationLength} tokens per
     * round.
     */
    public GenerateAsyncFunction(String modelDir, String draftDir, int speculationLength) {
        if (draftDir != null && speculationLength < 1) {
            throw new IllegalArgumentException(
                    "speculationLength must be >= 1 with a draft model, got " + speculationLength);
        }
        this.modelDir = modelDir;
        this.draftDir = draftDir;
        this.speculationLength = speculationLength;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        model = SharedModels.acquire(Path.of(modelDir));
        mode = AUTOREGRESSIVE;
        if (draftDir != null) {
            draftModel = SharedModels.acquire(Path.of(draftDir));
            drafter = new Drafter(draftModel, SESSIONS);
            verifier = new Verifier(model, SESSIONS);
            speculative = new SpeculativeGenerator(drafter, verifier);
            mode = SPECULATIVE_FIXED;
        }
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        worker =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "tandem-generate-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
        String taskManager = TaskManagers.idOf(getRuntimeContext());
        placement = new Placement(draftDir == null ? null : taskManager, taskManager);
        metrics = new GenerationMetrics(getRuntimeContext().getMetricGroup());
        acceptance = new AcceptanceTracker(AcceptanceTracker.RECENT_BATCHES);
        LOG.info(
                "Generation subtask {} serving {} ({}{}) on TaskManager {}",
                subtask,
                model.info().name(),
                mode,
                draftModel == null
                        ? ""
                        : ", draft " + draftModel.info().name() + ", γ " + speculationLength,
                placement.getVerifyTaskManager());
    }

    @Override
    public void asyncInvoke(Batch batch, ResultFuture<InferenceResult> resultFuture) {
        worker.execute(() -> resultFuture.complete(generate(batch)));
    }

    @Override
    public void timeout(Batch batch, ResultFuture<InferenceResult> resultFuture) {
        LOG.warn(
                "Batch {} of {} requests timed out",
                batch.getBatchId(),
                batch.getRequests().size());
        resultFuture.complete(failAll(batch, 0, "generation timed out (tandem.generate.timeout)"));
    }

    @Override
    public void close() {
        if (worker != null) {
            worker.shutdownNow();
        }
        if (drafter != null) {
            drafter.close();
            verifier.close();
        }
        if (draftModel != null) {
            SharedModels.release(Path.of(draftDir));
        }
        if (model != null) {
            SharedModels.release(Path.of(modelDir));
        }
    }

    private List<InferenceResult> generate(Batch batch) {
        List<GenerationRequest> requests = new ArrayList<>(batch.getRequests().size());
        for (AdmittedRequest admitted : batch.getRequests()) {
            requests.add(toGenerationRequest(admitted));
        }
        long start = System.nanoTime();
        List<SpeculativeGeneration> generations;
        try {
            generations =
                    speculative != null
                            ? speculative.generate(requests, speculationLength(batch))
                            : model.generate(requests).stream()
                                    .map(GenerateAsyncFunction::autoregressive)
                                    .toList();
        } catch (Exception | Error e) {
            LOG.error("Batch {} failed in model {}", batch.getBatchId(), model.info().name(), e);
            return failAll(batch, (System.nanoTime() - start) / 1e6, e.toString());
        }
        double modelMs = (System.nanoTime() - start) / 1e6;
        metrics.batch(
                modelMs,
                generations.stream().mapToInt(SpeculativeGeneration::rounds).max().orElse(0));
        acceptance.record(
                generations.stream()
                        .map(SpeculativeGeneration::acceptance)
                        .reduce(AcceptanceStats.none(), AcceptanceStats::plus));
        // In-process speculation interleaves draft and verify calls; the batch's model time is
        // reported as target time.
        BatchWork work = new BatchWork(batch, mode(batch), 0, modelMs, placement);
        long now = System.currentTimeMillis();
        List<InferenceResult> results = new ArrayList<>(generations.size());
        for (int i = 0; i < generations.size(); i++) {
            SpeculativeGeneration outcome = generations.get(i);
            Generation generation = outcome.generation();
            int[] tokens = generation.tokens();
            boolean eos = generation.finishReason() == io.tandem.model.FinishReason.EOS;
            AcceptanceStats acceptance = outcome.acceptance();
            InferenceResult result =
                    Results.completed(
                            batch.getRequests().get(i),
                            work,
                            model.tokenizer().decode(tokens),
                            Arrays.stream(tokens).boxed().toList(),
                            eos ? FinishReason.EOS : FinishReason.LENGTH,
                            outcome.rounds(),
                            now);
            result.setDraftedTokens((int) acceptance.totalDrafted());
            result.setAcceptedTokens((int) acceptance.totalAccepted());
            if (speculative != null) {
                result.setSpeculationLengths(speculationLengths(acceptance, outcome.rounds()));
            }
            results.add(result);
            metrics.completed(tokens.length, acceptance, result.getLatency().getTotalMs());
        }
        return results;
    }

    /**
     * For a planned batch (mode sd), the length that the planner's round times make best at the
     * acceptance measured on recent batches (the planner's own length while there are none);
     * otherwise the configured length.
     */
    private int speculationLength(Batch batch) {
        PlanDecision plan = batch.getPlan();
        if (plan == null) {
            return speculationLength;
        }
        if (plan.getRoundMsByLength().isEmpty()) {
            return plan.getSpeculationLength();
        }
        acceptance.assume(plan.getAlpha(), AcceptanceTracker.PRIOR_ROUNDS);
        return acceptance.choose(
                plan.getRoundMsByLength().stream().mapToDouble(Double::doubleValue).toArray());
    }

    private String mode(Batch batch) {
        return speculative != null && batch.getPlan() != null ? SPECULATIVE_PLANNED : mode;
    }

    /** Plain decoding as a speculative generation that drafted nothing: one round per token. */
    private static SpeculativeGeneration autoregressive(Generation generation) {
        boolean eos = generation.finishReason() == io.tandem.model.FinishReason.EOS;
        return new SpeculativeGeneration(
                generation, generation.tokens().length + (eos ? 1 : 0), AcceptanceStats.none());
    }

    /**
     * The speculation length of each of {@code rounds} rounds, longest first, recovered from the
     * drafted count per draft position: {@code drafted[k-1] - drafted[k]} rounds drafted exactly
     * {@code k} tokens, and the rest none (a last round with one token to go only verifies). The
     * generator drafts a fixed length and shortens only the last rounds, so this is also the order
     * in which they ran.
     */
    static List<Integer> speculationLengths(AcceptanceStats acceptance, int rounds) {
        long[] drafted = acceptance.drafted();
        List<Integer> lengths = new ArrayList<>();
        for (int k = drafted.length; k >= 1; k--) {
            long exactlyK = drafted[k - 1] - (k < drafted.length ? drafted[k] : 0);
            for (long r = 0; r < exactlyK; r++) {
                lengths.add(k);
            }
        }
        while (lengths.size() < rounds) {
            lengths.add(0);
        }
        return lengths;
    }

    private List<InferenceResult> failAll(Batch batch, double verifyMs, String error) {
        BatchWork work = new BatchWork(batch, mode(batch), 0, verifyMs, placement);
        long now = System.currentTimeMillis();
        List<InferenceResult> results = new ArrayList<>();
        for (AdmittedRequest admitted : batch.getRequests()) {
            results.add(Results.failed(admitted, work, error, now));
        }
        metrics.failed(results.size());
        return results;
    }

    static GenerationRequest toGenerationRequest(AdmittedRequest admitted) {
        InferenceRequest request = admitted.getRequest();
        Sampling sampling = request.getSampling();
        // Without an explicit seed, the id seeds the stream: a replayed request samples the same
        // text.
        long seed =
                sampling.getSeed() != null ? sampling.getSeed() : request.getRequestId().hashCode();
        int[] prompt = admitted.getPromptTokenIds().stream().mapToInt(Integer::intValue).toArray();
        return new GenerationRequest(
                request.getRequestId(),
                prompt,
                request.getMaxNewTokens(),
                new SamplingConfig(sampling.getTemperature(), sampling.getTopP(), seed));
    }
}
