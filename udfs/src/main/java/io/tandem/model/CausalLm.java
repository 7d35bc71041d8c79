package io.tandem.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.tandem.model.internal.BatchGenerator;
import io.tandem.model.internal.Checkpoint;
import io.tandem.model.internal.HostTensor;
import io.tandem.model.internal.ModelConfig;
import io.tandem.model.internal.ModelDirectory;
import io.tandem.model.internal.SessionPool;
import io.tandem.model.internal.TransformerNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A causal language model loaded from a Hugging Face-style directory ({@code config.json}, {@code
 * model.safetensors} or a sharded index, {@code tokenizer.json}) onto DJL's PyTorch engine on the
 * CPU, generating continuations for batches of token prompts.
 *
 * <p>Supported architectures ({@code model_type}): GPT-2 ({@code gpt2}) and the Llama family
 * ({@code llama}, {@code qwen2}). Weights stay in native memory (about 4 bytes per parameter, plus
 * for GPT-2 a copy of each layer's QKV projection) until {@link #close()}; a {@link #generate} call
 * additionally holds its batch's KV cache (per layer {@code 2 * batch * (prompt + new tokens) *
 * kvHeads * headDim} floats) and frees it before returning.
 *
 * <p>Thread-safe: {@link #generate} may run concurrently from several threads on one instance; each
 * call works in its own native memory scope and only reads the weights. Close the model only after
 * all calls have returned. Nothing is downloaded: the engine's natives come from the classpath (run
 * with {@code -Dai.djl.offline=true} to make that a hard guarantee).
 */
public final class CausalLm implements LanguageModel {

    private static final Logger LOG = LoggerFactory.getLogger(CausalLm.class);
    static final String ENGINE = "PyTorch";

    private final ModelInfo info;
    private final TextTokenizer tokenizer;
    private final NDManager weights;
    private final BatchGenerator generator;
    private volatile boolean closed;

    private CausalLm(
            ModelInfo info, TextTokenizer tokenizer, NDManager weights, BatchGenerator generator) {
        this.info = info;
        this.tokenizer = tokenizer;
        this.weights = weights;
        this.generator = generator;
    }

    /**
     * Loads the model in {@code modelDir} on the CPU; logs one INFO line with its size and load
     * time.
     */
    public static CausalLm load(Path modelDir) throws ModelException {
        return load(modelDir, ModelDevice.CPU);
    }

    /**
     * Loads the model in {@code modelDir} on {@code device}; logs one INFO line with its size and
     * load time.
     *
     * @throws ModelException if {@code device} is a GPU that PyTorch does not see here
     */
    public static CausalLm load(Path modelDir, ModelDevice device) throws ModelException {
        long start = System.nanoTime();
        ModelConfig config = ModelConfig.read(modelDir.resolve(ModelConfig.FILE_NAME));
        ModelInfo info = ModelInfo.of(modelDir, config);
        if (device.isGpu()) {
            int gpus = Engine.getEngine(ENGINE).getGpuCount();
            if (device.gpu() >= gpus) {
                throw new ModelException(
                        info.name()
                                + ": device "
                                + device
                                + " asked for, but PyTorch sees "
                                + gpus
                                + " GPU(s) on this machine"
                                + (gpus == 0
                                        ? " (none, or only DJL's CPU natives are on the class"
                                                + " path: a GPU TaskManager needs the CUDA natives;"
                                                + " see docs/operations.md)"
                                        : ""));
            }
        }
        Map<String, HostTensor> parameters;
        try (Checkpoint checkpoint = Checkpoint.open(modelDir)) {
            parameters = config.readParameters(checkpoint);
        } catch (IOException e) {
            throw new ModelException(info.name() + ": cannot read weights: " + e.getMessage(), e);
        }
        TextTokenizer tokenizer =
                TextTokenizer.load(modelDir.resolve(ModelDirectory.TOKENIZER_FILE));
        if (tokenizer.vocabSize() > config.vocabSize()) {
            tokenizer.close();
            throw new ModelException(
                    info.name()
                            + ": tokenizer has "
                            + tokenizer.vocabSize()
                            + " tokens but the model's vocab_size is "
                            + config.vocabSize());
        }
        NDManager weights = null;
        try {
            weights =
                    Engine.getEngine(ENGINE)
                            .newBaseManager(
                                    device.isGpu() ? Device.gpu(device.gpu()) : Device.cpu());
            TransformerNetwork network = config.newNetwork(parameters, weights);
            CausalLm model = new CausalLm(info, tokenizer, weights, new BatchGenerator(network));
            LOG.info(
                    "Loaded model {} ({}) on {}: {} parameters, {} layers, width {}, {} heads,"
                            + " context {}, vocabulary {}, in {} ms",
                    info.name(),
                    info.architecture(),
                    device,
                    info.parameters(),
                    info.layers(),
                    info.width(),
                    info.heads(),
                    info.contextLength(),
                    info.vocabSize(),
                    (System.nanoTime() - start) / 1_000_000);
            return model;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            // UnsatisfiedLinkError: the engine's natives are bound to another class loader
            tokenizer.close();
            if (weights != null) {
                weights.close();
            }
            throw new ModelException(
                    info.name() + ": cannot load the weights into the " + ENGINE + " engine: " + e,
                    e);
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Generates one continuation per request, in request order, decoding the whole batch together.
     * A request's tokens do not depend on the other requests in the batch.
     *
     * @throws IllegalArgumentException if a prompt holds a token id outside the vocabulary or
     *     {@code promptLength + maxNewTokens} exceeds the context length
     * @throws ModelException if the engine fails
     */
    public List<Generation> generate(List<GenerationRequest> batch) throws ModelException {
        if (closed) {
            throw new IllegalStateException("model " + info.name() + " is closed");
        }
        try {
            return generator.generate(batch, weights);
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelException(
                    info.name() + ": generation of " + batch.size() + " sequences failed: " + e, e);
        }
    }

    /**
     * Opens a store of per-request KV sessions on this model, for callers that come back with the
     * same sequences (speculative drafting and verification). Close the store before the model.
     */
    @Override
    public SessionStore openSessions(SessionLimits limits) {
        return openSessions(limits, System::nanoTime);
    }

    /** {@link #openSessions(SessionLimits)} with the clock idle timeouts are measured on. */
    SessionStore openSessions(SessionLimits limits, LongSupplier nanoClock) {
        if (closed) {
            throw new IllegalStateException("model " + info.name() + " is closed");
        }
        return new PooledSessionStore(
                info.name(),
                new SessionPool(
                        info.name(),
                        generator.network(),
                        weights,
                        limits,
                        nanoClock,
                        SessionPool.COMPACTION_COLUMNS));
    }

    /** Frees the weights and the tokenizer. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            weights.close();
            tokenizer.close();
        }
    }
}
