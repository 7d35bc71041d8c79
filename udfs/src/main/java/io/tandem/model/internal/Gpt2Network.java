package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.Arrays;
import java.util.Map;

/**
 * The GPT-2 forward pass (pre-LayerNorm blocks, fused QKV attention, GELU MLP, LM head tied to the
 * token embedding), shared by inference and training so there is one implementation of the math.
 *
 * <p>Built from Hugging Face parameters by {@link #of}, which derives the engine-friendly forms
 * once: Conv1D weights become transposed views so every projection is a single fused {@code linear}
 * op, and the {@code 1/sqrt(headDim)} attention scale is folded into the query rows of the QKV
 * projection. In training the derivation is rebuilt every step inside the gradient collector, so
 * gradients flow back to the Hugging Face parameters.
 *
 * <p>Thread-safe: the network only reads its arrays. Every op's result belongs to the manager of
 * its left operand, which is always an activation, so all temporaries of a forward pass land in the
 * caller's manager and never in the weights' manager.
 */
public final class Gpt2Network implements TransformerNetwork {

    private static final NDIndex LAST_POSITION = new NDIndex(":, -1, :");

    private final Gpt2Config config;
    private final NDArray tokenEmbedding; // [vocab, width]; also the LM head
    private final NDArray positionEmbedding; // [context, width]
    private final Block[] blocks;
    private final NDArray finalNormGain; // [width]
    private final NDArray finalNormBias; // [width]
    private final Shape normalizedShape;

    /** One transformer block's weights in {@code linear} layout ({@code [out, in]}). */
    private record Block(
            NDArray norm1Gain, // [width]
            NDArray norm1Bias, // [width]
            NDArray qkvWeight, // [3 * width, width], query rows pre-scaled
            NDArray qkvBias, // [3 * width], query part pre-scaled
            NDArray projectionWeight, // [width, width]
            NDArray projectionBias, // [width]
            NDArray norm2Gain, // [width]
            NDArray norm2Bias, // [width]
            NDArray expandWeight, // [inner, width]
            NDArray expandBias, // [inner]
            NDArray contractWeight, // [width, inner]
            NDArray contractBias) {} // [width]

    private Gpt2Network(
            Gpt2Config config,
            NDArray tokenEmbedding,
            NDArray positionEmbedding,
            Block[] blocks,
            NDArray finalNormGain,
            NDArray finalNormBias) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.positionEmbedding = positionEmbedding;
        this.blocks = blocks;
        this.finalNormGain = finalNormGain;
        this.finalNormBias = finalNormBias;
        this.normalizedShape = new Shape(config.width());
    }

    /**
     * Builds the network over {@code parameters} (Hugging Face names, see {@link Gpt2Parameters}).
     * The parameters are used in place; arrays derived from them are attached to {@code manager},
     * so a training step can free them with its step manager.
     */
    public static Gpt2Network of(
            Gpt2Config config, Map<String, NDArray> parameters, NDManager manager) {
        int width = config.width();
        float[] qkvScale = new float[3 * width];
        Arrays.fill(qkvScale, 0, width, (float) (1 / Math.sqrt(config.headDim())));
        Arrays.fill(qkvScale, width, 3 * width, 1f);
        NDArray qkvScaleRows = manager.create(qkvScale, new Shape(3L * width, 1)); // [3 * width, 1]
        NDArray qkvScaleVector = manager.create(qkvScale); // [3 * width]
        Block[] blocks = new Block[config.layers()];
        for (int layer = 0; layer < blocks.length; layer++) {
            String p = "h." + layer + ".";
            blocks[layer] =
                    new Block(
                            required(parameters, p + "ln_1.weight"),
                            required(parameters, p + "ln_1.bias"),
                            linearWeight(parameters, p + "attn.c_attn.weight", manager)
                                    .mul(qkvScaleRows),
                            qkvScaleVector.mul(required(parameters, p + "attn.c_attn.bias")),
                            linearWeight(parameters, p + "attn.c_proj.weight", manager),
                            required(parameters, p + "attn.c_proj.bias"),
                            required(parameters, p + "ln_2.weight"),
                            required(parameters, p + "ln_2.bias"),
                            linearWeight(parameters, p + "mlp.c_fc.weight", manager),
                            required(parameters, p + "mlp.c_fc.bias"),
                            linearWeight(parameters, p + "mlp.c_proj.weight", manager),
                            required(parameters, p + "mlp.c_proj.bias"));
        }
        return new Gpt2Network(
                config,
                required(parameters, "wte.weight"),
                required(parameters, "wpe.weight"),
                blocks,
                required(parameters, "ln_f.weight"),
                required(parameters, "ln_f.bias"));
    }

    @Override
    public Gpt2Config config() {
        return config;
    }

    @Override
    public NDArray forward(
            NDArray tokens,
            NDArray positions,
            NDArray attentionBias,
            KvCache cache,
            boolean lastPositionOnly) {
        long batch = tokens.getShape().get(0);
        long seq = tokens.getShape().get(1);
        NDArray x =
                Embedding.embedding(tokens, tokenEmbedding, SparseFormat.DENSE)
                        .singletonOrThrow()
                        .add(
                                Embedding.embedding(
                                                positions, positionEmbedding, SparseFormat.DENSE)
                                        .singletonOrThrow()); // [batch, seq, width]
        for (int layer = 0; layer < blocks.length; layer++) {
            x = block(layer, x, attentionBias, cache, batch, seq);
        }
        if (lastPositionOnly) {
            x = x.get(LAST_POSITION); // [batch, width]
        }
        NDArray normalized = layerNorm(x, finalNormGain, finalNormBias);
        return Linear.linear(normalized, tokenEmbedding)
                .singletonOrThrow(); // [batch, (seq,) vocab]
    }

    /** One pre-LayerNorm block; x is [batch, seq, width]. */
    private NDArray block(
            int layer, NDArray x, NDArray attentionBias, KvCache cache, long batch, long seq) {
        Block b = blocks[layer];
        int heads = config.heads();
        NDArray qkv =
                Linear.linear(
                                layerNorm(x, b.norm1Gain(), b.norm1Bias()),
                                b.qkvWeight(),
                                b.qkvBias())
                        .singletonOrThrow() // [batch, seq, 3 * width]
                        .reshape(batch, seq, 3L * heads, config.headDim())
                        .transpose(0, 2, 1, 3); // [batch, 3 * heads, seq, headDim]
        NDList split = qkv.split(3, 1); // query, key, value: [batch, heads, seq, headDim]
        NDArray query = split.get(0);
        // Keys are kept transposed so the cache never needs a per-step view of its own arrays.
        NDArray keysT = split.get(1).transpose(0, 1, 3, 2); // [batch, heads, headDim, seq]
        NDArray values = split.get(2);
        if (cache != null) {
            NDList cached = cache.append(layer, keysT, values);
            keysT = cached.get(0); // [batch, heads, headDim, past + seq]
            values = cached.get(1); // [batch, heads, past + seq, headDim]
        }
        NDArray weights =
                query.matMul(keysT) // [batch, heads, seq, past + seq]
                        .add(attentionBias)
                        .softmax(-1);
        NDArray attended =
                weights.matMul(values) // [batch, heads, seq, headDim]
                        .transpose(0, 2, 1, 3)
                        .reshape(batch, seq, config.width()); // [batch, seq, width]
        x =
                x.add(
                        Linear.linear(attended, b.projectionWeight(), b.projectionBias())
                                .singletonOrThrow());
        NDArray expanded =
                Linear.linear(
                                layerNorm(x, b.norm2Gain(), b.norm2Bias()),
                                b.expandWeight(),
                                b.expandBias())
                        .singletonOrThrow(); // [batch, seq, inner]
        return x.add(
                Linear.linear(activation(expanded), b.contractWeight(), b.contractBias())
                        .singletonOrThrow());
    }

    private NDArray layerNorm(NDArray x, NDArray gain, NDArray bias) {
        return LayerNorm.layerNorm(
                        x, normalizedShape, gain, bias, (float) config.layerNormEpsilon())
                .singletonOrThrow();
    }

    private NDArray activation(NDArray x) {
        return switch (config.activation()) {
            case GELU -> Activation.gelu(x);
            // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            case GELU_TANH ->
                    x.pow(3)
                            .mul(0.044715f)
                            .add(x)
                            .mul((float) Math.sqrt(2 / Math.PI))
                            .tanh()
                            .add(1f)
                            .mul(x)
                            .mul(0.5f);
        };
    }

    /** A Conv1D weight [in, out] as a linear weight [out, in]: a view, owned by {@code manager}. */
    private static NDArray linearWeight(
            Map<String, NDArray> parameters, String name, NDManager manager) {
        NDArray view = required(parameters, name).transpose();
        view.attach(manager);
        return view;
    }

    private static NDArray required(Map<String, NDArray> parameters, String name) {
        NDArray array = parameters.get(name);
        if (array == null) {
            throw new IllegalArgumentException("missing GPT-2 parameter " + name);
        }
        return array;
    }
}
