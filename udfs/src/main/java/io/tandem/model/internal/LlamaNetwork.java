package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import java.util.Arrays;
import java.util.Map;

/**
 * The Llama forward pass (pre-RMSNorm blocks, rotary position embeddings, grouped-query attention,
 * SwiGLU MLP), for Llama, TinyLlama, SmolLM and Qwen2 checkpoints. Inference only: the weights it
 * runs are derived from the Hugging Face ones, so no gradient reaches those.
 *
 * <p>Small models spend much of a decode step on the fixed cost of each native op, so {@link #of}
 * rearranges the Hugging Face weights once (on the Java heap, before upload) into forms that need
 * few ops per layer:
 *
 * <ul>
 *   <li><b>RMSNorm is one {@code normalize} op.</b> The residual stream carries one extra
 *       coordinate, the <i>anchor</i>, fixed at {@code sqrt(width * eps)}: then {@code x / ||(x,
 *       anchor)||} is {@code x / sqrt(mean(x^2) + eps) / sqrt(width)}. The norm gains and {@code
 *       sqrt(width)} are folded into the columns of the projections that follow; the anchor's own
 *       column there is zero, and the projections that write into the residual stream have a zero
 *       anchor row, so the anchor never changes.
 *   <li><b>One fused QKV projection in grouped order.</b> For each key/value head, the rows of the
 *       query heads sharing it, then its key rows, then its value rows. Reshaped, the query heads
 *       of a group line up with their key/value head, so attention runs as one batched matmul per
 *       layer over the cached key/value heads, never copying them per query head. The {@code
 *       1/sqrt(headDim)} attention scale is folded into the query rows.
 *   <li><b>RoPE is one complex multiplication.</b> Hugging Face rotates dimension {@code i} with
 *       {@code i + headDim/2} ({@code rotate_half}); the query and key rows are reordered so each
 *       such pair is adjacent and reads as one complex number, which the rotation {@code e^(i *
 *       position * frequency)} multiplies. Dot products between queries and keys do not depend on
 *       that order. Value rows keep their order and are "rotated" by 1.
 *   <li><b>One fused gate/up projection</b> for the SwiGLU MLP.
 * </ul>
 *
 * <p>The {@link KvCache} holds {@code kvHeads} heads per layer: keys after rotation, transposed and
 * in the interleaved order, [batch, kvHeads, headDim, length]; values [batch, kvHeads, length,
 * headDim].
 *
 * <p>Thread-safe: the network only reads its arrays. Every op's result belongs to the manager of
 * its left operand, which is always an activation, so all temporaries of a forward pass land in the
 * caller's manager and never in the weights' manager.
 */
public final class LlamaNetwork implements TransformerNetwork {

    private static final NDIndex LAST_POSITION = new NDIndex(":, -1, :");

    private final LlamaConfig config;
    private final NDArray tokenEmbedding; // [vocab, width]
    private final NDArray lmHead; // [vocab, width]; the token embedding when tied
    private final NDArray finalScale; // [width]: final norm gain * sqrt(width)
    private final NDArray inverseFrequencies; // [headDim / 2]
    private final NDArray rotates; // [groups + 2, 1, 1]: 1 for query and key chunks, 0 for values
    private final NDArray identityRotation; // [groups + 2, 1, 2]: (1, 0) for values, else 0
    private final Block[] blocks;
    private final float anchor;
    private final NDIndex withoutAnchor;

    /** One layer's weights in {@code linear} layout ({@code [out, in]}), see the class comment. */
    private record Block(
            NDArray qkvWeight, // [(heads + 2 * kvHeads) * headDim, width + 1]
            NDArray qkvBias, // [(heads + 2 * kvHeads) * headDim], or null
            NDArray outputWeight, // [width + 1, heads * headDim]
            NDArray outputBias, // [width + 1], or null
            NDArray gateUpWeight, // [2 * inner, width + 1]
            NDArray downWeight) {} // [width + 1, inner]

    private LlamaNetwork(
            LlamaConfig config,
            NDArray tokenEmbedding,
            NDArray lmHead,
            NDArray finalScale,
            Block[] blocks,
            NDManager manager) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.lmHead = lmHead;
        this.finalScale = finalScale;
        this.blocks = blocks;
        this.anchor = (float) Math.sqrt(config.width() * config.rmsNormEpsilon());
        this.withoutAnchor = new NDIndex("..., :" + config.width());
        int half = config.headDim() / 2;
        float[] frequencies = new float[half];
        for (int i = 0; i < half; i++) {
            frequencies[i] = (float) Math.pow(config.ropeTheta(), -2.0 * i / config.headDim());
        }
        this.inverseFrequencies = manager.create(frequencies);
        int chunks = config.groups() + 2;
        float[] rotatesChunk = new float[chunks];
        float[] identity = new float[chunks * 2];
        Arrays.fill(rotatesChunk, 0, chunks - 1, 1f);
        identity[2 * (chunks - 1)] = 1f;
        this.rotates = manager.create(rotatesChunk, new Shape(chunks, 1, 1));
        this.identityRotation = manager.create(identity, new Shape(chunks, 1, 2));
    }

    /**
     * Builds the network from {@code parameters} (Hugging Face names, see {@link LlamaParameters}),
     * uploading the rearranged weights to {@code manager}. The parameters themselves are not kept.
     */
    public static LlamaNetwork of(
            LlamaConfig config, Map<String, HostTensor> parameters, NDManager manager) {
        Block[] blocks = new Block[config.layers()];
        for (int layer = 0; layer < blocks.length; layer++) {
            blocks[layer] = block(config, parameters, LlamaParameters.layer(layer), manager);
        }
        NDArray tokenEmbedding = upload(required(parameters, LlamaParameters.EMBEDDING), manager);
        NDArray lmHead =
                config.tiedEmbeddings()
                        ? tokenEmbedding
                        : upload(required(parameters, LlamaParameters.LM_HEAD), manager);
        NDArray finalScale =
                manager.create(foldedGain(parameters, LlamaParameters.FINAL_NORM, config));
        return new LlamaNetwork(config, tokenEmbedding, lmHead, finalScale, blocks, manager);
    }

    /** The weights of the layer whose parameter names start with {@code p}. */
    private static Block block(
            LlamaConfig config, Map<String, HostTensor> parameters, String p, NDManager manager) {
        HostTensor qkvWeight = groupedQkv(config, parameters, p, "weight");
        HostTensor gateUpWeight =
                stacked(
                        required(parameters, p + "mlp.gate_proj.weight"),
                        required(parameters, p + "mlp.up_proj.weight"));
        NDArray qkvBias =
                config.qkvBias()
                        ? upload(groupedQkv(config, parameters, p, "bias"), manager)
                        : null;
        NDArray outputBias =
                config.outputBias()
                        ? upload(
                                withAnchorRow(required(parameters, p + "self_attn.o_proj.bias")),
                                manager)
                        : null;
        return new Block(
                upload(
                        withAnchorColumn(
                                qkvWeight,
                                foldedGain(parameters, p + "input_layernorm.weight", config)),
                        manager),
                qkvBias,
                upload(withAnchorRow(required(parameters, p + "self_attn.o_proj.weight")), manager),
                outputBias,
                upload(
                        withAnchorColumn(
                                gateUpWeight,
                                foldedGain(
                                        parameters, p + "post_attention_layernorm.weight", config)),
                        manager),
                upload(withAnchorRow(required(parameters, p + "mlp.down_proj.weight")), manager));
    }

    @Override
    public LlamaConfig config() {
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
                        .singletonOrThrow() // [batch, seq, width]
                        .concat(
                                tokens.getManager().full(new Shape(batch, seq, 1), anchor),
                                2); // [batch, seq, width + 1]
        NDArray rotation = rotation(positions, batch, seq);
        int groups = config.groups();
        // queries are laid out [group, seq] per key/value head, see block()
        NDArray bias =
                groups == 1
                        ? attentionBias
                        : attentionBias.tile(new long[] {1, 1, groups, 1}); // [b, 1, G * seq, all]
        for (int layer = 0; layer < blocks.length; layer++) {
            x = block(layer, x, rotation, bias, cache, batch, seq);
        }
        if (lastPositionOnly) {
            x = x.get(LAST_POSITION); // [batch, width + 1]
        }
        NDArray normalized = rmsNorm(x).get(withoutAnchor).mul(finalScale); // [batch, (seq,) width]
        return Linear.linear(normalized, lmHead).singletonOrThrow(); // [batch, (seq,) vocab]
    }

    /**
     * The rotation of each position's query and key pairs, {@code e^(i * position * frequency)},
     * and 1 for the value chunk: complex [batch, seq, 1, groups + 2, headDim / 2].
     */
    private NDArray rotation(NDArray positions, long batch, long seq) {
        NDArray angles =
                positions
                        .toType(DataType.FLOAT32, false)
                        .reshape(batch, seq, 1, 1, 1)
                        .mul(inverseFrequencies); // [batch, seq, 1, 1, headDim / 2]
        return angles.cos()
                .stack(angles.sin(), 5) // [batch, seq, 1, 1, headDim / 2, 2]
                .mul(rotates)
                .add(identityRotation) // [batch, seq, 1, groups + 2, headDim / 2, 2]
                .complex();
    }

    /** One pre-RMSNorm block; x is [batch, seq, width + 1]. */
    private NDArray block(
            int layer,
            NDArray x,
            NDArray rotation,
            NDArray bias,
            KvCache cache,
            long batch,
            long seq) {
        Block b = blocks[layer];
        int kvHeads = config.kvHeads();
        int groups = config.groups();
        int headDim = config.headDim();
        NDList split =
                Linear.linear(rmsNorm(x), b.qkvWeight(), b.qkvBias())
                        .singletonOrThrow() // [batch, seq, (heads + 2 * kvHeads) * headDim]
                        .reshape(batch, seq, kvHeads, groups + 2, headDim / 2, 2)
                        .complex() // [batch, seq, kvHeads, groups + 2, headDim / 2]
                        .mul(rotation)
                        .real()
                        .transpose(0, 2, 3, 1, 4, 5) // [b, kvHeads, G + 2, seq, headDim / 2, 2]
                        .reshape(batch, kvHeads, (groups + 2) * seq, headDim)
                        .split(new long[] {groups * seq, (groups + 1) * seq}, 2);
        NDArray query = split.get(0); // [batch, kvHeads, groups * seq, headDim]
        // Keys are kept transposed so the cache never needs a per-step view of its own arrays.
        NDArray keysT = split.get(1).transpose(0, 1, 3, 2); // [batch, kvHeads, headDim, seq]
        NDArray values = split.get(2); // [batch, kvHeads, seq, headDim]
        if (cache != null) {
            NDList cached = cache.append(layer, keysT, values);
            keysT = cached.get(0); // [batch, kvHeads, headDim, past + seq]
            values = cached.get(1); // [batch, kvHeads, past + seq, headDim]
        }
        NDArray attended =
                query.matMul(keysT) // [batch, kvHeads, groups * seq, past + seq]
                        .add(bias)
                        .softmax(-1)
                        .matMul(values) // [batch, kvHeads, groups * seq, headDim]
                        .reshape(batch, kvHeads, groups, seq, headDim)
                        .transpose(0, 3, 1, 2, 4) // [batch, seq, kvHeads, groups, headDim]
                        .reshape(batch, seq, (long) config.heads() * headDim);
        x = x.add(Linear.linear(attended, b.outputWeight(), b.outputBias()).singletonOrThrow());
        NDList gateUp =
                Linear.linear(rmsNorm(x), b.gateUpWeight())
                        .singletonOrThrow() // [batch, seq, 2 * inner]
                        .split(2, 2);
        NDArray gate = gateUp.get(0); // [batch, seq, inner]
        NDArray hidden = gate.mul(Activation.sigmoid(gate)).mul(gateUp.get(1)); // silu(gate) * up
        return x.add(Linear.linear(hidden, b.downWeight()).singletonOrThrow());
    }

    /**
     * RMSNorm without its gain (folded into the next projection) and with an extra factor {@code
     * 1/sqrt(width)} (folded too): the anchor coordinate contributes {@code width * eps} to the
     * squared norm, which is never below it, so no further epsilon is needed.
     */
    private static NDArray rmsNorm(NDArray x) {
        return x.normalize(2, -1, 0);
    }

    /**
     * The fused QKV {@code kind} ("weight" [rows, width] or "bias" [rows]) of the layer whose
     * parameter names start with {@code p}, in grouped order: per key/value head, its query heads,
     * its key head, its value head. Query and key heads are interleaved and the query heads scaled
     * by {@code 1/sqrt(headDim)}.
     */
    private static HostTensor groupedQkv(
            LlamaConfig config, Map<String, HostTensor> parameters, String p, String kind) {
        HostTensor query = required(parameters, p + "self_attn.q_proj." + kind);
        HostTensor key = required(parameters, p + "self_attn.k_proj." + kind);
        HostTensor value = required(parameters, p + "self_attn.v_proj." + kind);
        int headDim = config.headDim();
        int groups = config.groups();
        int rowLength = query.shape().length == 2 ? (int) query.shape()[1] : 1;
        int rows = (config.heads() + 2 * config.kvHeads()) * headDim;
        float queryScale = (float) (1 / Math.sqrt(headDim));
        float[] fused = new float[rows * rowLength];
        int row = 0;
        for (int kvHead = 0; kvHead < config.kvHeads(); kvHead++) {
            for (int group = 0; group < groups; group++) {
                int head = kvHead * groups + group;
                row = copyHead(query, head, true, queryScale, fused, row, headDim, rowLength);
            }
            row = copyHead(key, kvHead, true, 1f, fused, row, headDim, rowLength);
            row = copyHead(value, kvHead, false, 1f, fused, row, headDim, rowLength);
        }
        long[] shape = rowLength == 1 ? new long[] {rows} : new long[] {rows, rowLength};
        return new HostTensor(shape, fused);
    }

    /**
     * Copies the {@code headDim} rows of head {@code head} of {@code source} to {@code target} from
     * row {@code targetRow} on, scaled; with {@code interleave}, row {@code i} and {@code i +
     * headDim/2} become rows {@code 2i} and {@code 2i + 1}. Returns the next free target row.
     */
    private static int copyHead(
            HostTensor source,
            int head,
            boolean interleave,
            float scale,
            float[] target,
            int targetRow,
            int headDim,
            int rowLength) {
        float[] values = source.values();
        for (int r = 0; r < headDim; r++) {
            int sourceRow = head * headDim + (interleave ? r / 2 + (r % 2) * (headDim / 2) : r);
            for (int c = 0; c < rowLength; c++) {
                target[(targetRow + r) * rowLength + c] = values[sourceRow * rowLength + c] * scale;
            }
        }
        return targetRow + headDim;
    }

    /** {@code weight} [out, in] with each column scaled and a zero anchor column: [out, in + 1]. */
    private static HostTensor withAnchorColumn(HostTensor weight, float[] columnScale) {
        int out = (int) weight.shape()[0];
        int in = (int) weight.shape()[1];
        float[] values = weight.values();
        float[] result = new float[out * (in + 1)];
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                result[r * (in + 1) + c] = values[r * in + c] * columnScale[c];
            }
        }
        return new HostTensor(new long[] {out, in + 1L}, result);
    }

    /** {@code weight} [out, ...] with a zero anchor row appended: [out + 1, ...]. */
    private static HostTensor withAnchorRow(HostTensor weight) {
        long[] shape = weight.shape().clone();
        long rowLength = weight.values().length / shape[0];
        shape[0]++;
        float[] result = new float[Math.toIntExact(weight.values().length + rowLength)];
        System.arraycopy(weight.values(), 0, result, 0, weight.values().length);
        return new HostTensor(shape, result);
    }

    /** Two weights [out, in] stacked to [2 * out, in]. */
    private static HostTensor stacked(HostTensor first, HostTensor second) {
        float[] result = new float[first.values().length + second.values().length];
        System.arraycopy(first.values(), 0, result, 0, first.values().length);
        System.arraycopy(second.values(), 0, result, first.values().length, second.values().length);
        return new HostTensor(new long[] {2 * first.shape()[0], first.shape()[1]}, result);
    }

    /** An RMSNorm gain times {@code sqrt(width)}, the factor {@link #rmsNorm} leaves out. */
    private static float[] foldedGain(
            Map<String, HostTensor> parameters, String name, LlamaConfig config) {
        float[] gain = required(parameters, name).values().clone();
        float factor = (float) Math.sqrt(config.width());
        for (int i = 0; i < gain.length; i++) {
            gain[i] *= factor;
        }
        return gain;
    }

    private static NDArray upload(HostTensor tensor, NDManager manager) {
        return manager.create(tensor.values(), new Shape(tensor.shape()));
    }

    private static HostTensor required(Map<String, HostTensor> parameters, String name) {
        HostTensor tensor = parameters.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException("missing Llama parameter " + name);
        }
        return tensor;
    }
}
