package io.tandem.udfs;

import io.tandem.model.CausalLm;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.Placement;
import io.tandem.schemas.Sampling;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.udfs.Results.BatchWork;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates the output of a whole batch with the target model, autoregressively (mode {@code ad}),
 * and emits one {@link InferenceResult} per request. Model calls run on one worker thread per
 * subtask, so the task thread never blocks and batches queue up to the operator's capacity.
 *
 * <p>A request never goes without a result: if the model fails or the batch times out, every
 * request of the batch gets a result with finish reason {@code ERROR} and the cause.
 *
 * <p>Metrics (group {@code tandem}): {@code requestsOut}, {@code requestsFailed}, {@code
 * generatedTokens} counters, and {@code batchMillis} (model time per batch) histogram.
 */
public class GenerateAsyncFunction extends RichAsyncFunction<Batch, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(GenerateAsyncFunction.class);

    static final String MODE = "ad";

    private final String modelDir;

    private transient CausalLm model;
    private transient ExecutorService worker;
    private transient Placement placement;
    private transient Counter requestsOut;
    private transient Counter requestsFailed;
    private transient Counter generatedTokens;
    private transient Histogram batchMillis;

    public GenerateAsyncFunction(String modelDir) {
        this.modelDir = modelDir;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        model = SharedModels.acquire(Path.of(modelDir));
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        worker =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "tandem-generate-" + subtask);
                            t.setDaemon(true);
                            return t;
                        });
        placement = new Placement(null, TaskManagers.idOf(getRuntimeContext()));
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("tandem");
        requestsOut = metrics.counter("requestsOut");
        requestsFailed = metrics.counter("requestsFailed");
        generatedTokens = metrics.counter("generatedTokens");
        batchMillis = metrics.histogram("batchMillis", new DescriptiveStatisticsHistogram(1000));
        LOG.info(
                "Generation subtask {} serving {} on TaskManager {}",
                subtask,
                model.info().name(),
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
        List<Generation> generations;
        try {
            generations = model.generate(requests);
        } catch (Exception | Error e) {
            LOG.error("Batch {} failed in model {}", batch.getBatchId(), model.info().name(), e);
            return failAll(batch, (System.nanoTime() - start) / 1e6, e.toString());
        }
        double verifyMs = (System.nanoTime() - start) / 1e6;
        batchMillis.update(Math.round(verifyMs));
        BatchWork work = new BatchWork(batch, MODE, 0, verifyMs, placement);
        long now = System.currentTimeMillis();
        List<InferenceResult> results = new ArrayList<>(generations.size());
        for (int i = 0; i < generations.size(); i++) {
            Generation generation = generations.get(i);
            int[] tokens = generation.tokens();
            boolean eos = generation.finishReason() == io.tandem.model.FinishReason.EOS;
            results.add(
                    Results.completed(
                            batch.getRequests().get(i),
                            work,
                            model.tokenizer().decode(tokens),
                            Arrays.stream(tokens).boxed().toList(),
                            eos ? FinishReason.EOS : FinishReason.LENGTH,
                            tokens.length + (eos ? 1 : 0),
                            now));
            generatedTokens.inc(tokens.length);
        }
        requestsOut.inc(results.size());
        return results;
    }

    private List<InferenceResult> failAll(Batch batch, double verifyMs, String error) {
        BatchWork work = new BatchWork(batch, MODE, 0, verifyMs, placement);
        long now = System.currentTimeMillis();
        List<InferenceResult> results = new ArrayList<>();
        for (AdmittedRequest admitted : batch.getRequests()) {
            results.add(Results.failed(admitted, work, error, now));
        }
        requestsOut.inc(results.size());
        requestsFailed.inc(results.size());
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
