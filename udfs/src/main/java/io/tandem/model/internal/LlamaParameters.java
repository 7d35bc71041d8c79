package io.tandem.model.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameter set of a Llama-family model under Hugging Face names ({@code
 * model.embed_tokens.weight}, {@code model.layers.0.self_attn.q_proj.weight}, ...) and layouts
 * ({@code nn.Linear} weights are {@code [out, in]}). Stateless.
 */
final class LlamaParameters {

    static final String EMBEDDING = "model.embed_tokens.weight";
    static final String FINAL_NORM = "model.norm.weight";
    static final String LM_HEAD = "lm_head.weight";

    private LlamaParameters() {}

    /** The name prefix of layer {@code layer}'s parameters. */
    static String layer(int layer) {
        return "model.layers." + layer + ".";
    }

    /**
     * Every parameter of {@code config} and its shape, in checkpoint order. A tied LM head is not
     * listed: it is the token embedding.
     */
    static Map<String, long[]> shapes(LlamaConfig config) {
        long width = config.width();
        long inner = config.innerWidth();
        long queryWidth = (long) config.heads() * config.headDim();
        long kvWidth = (long) config.kvHeads() * config.headDim();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBEDDING, new long[] {config.vocabSize(), width});
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = layer(layer);
            shapes.put(p + "input_layernorm.weight", new long[] {width});
            shapes.put(p + "self_attn.q_proj.weight", new long[] {queryWidth, width});
            shapes.put(p + "self_attn.k_proj.weight", new long[] {kvWidth, width});
            shapes.put(p + "self_attn.v_proj.weight", new long[] {kvWidth, width});
            if (config.qkvBias()) {
                shapes.put(p + "self_attn.q_proj.bias", new long[] {queryWidth});
                shapes.put(p + "self_attn.k_proj.bias", new long[] {kvWidth});
                shapes.put(p + "self_attn.v_proj.bias", new long[] {kvWidth});
            }
            shapes.put(p + "self_attn.o_proj.weight", new long[] {width, queryWidth});
            if (config.outputBias()) {
                shapes.put(p + "self_attn.o_proj.bias", new long[] {width});
            }
            shapes.put(p + "post_attention_layernorm.weight", new long[] {width});
            shapes.put(p + "mlp.gate_proj.weight", new long[] {inner, width});
            shapes.put(p + "mlp.up_proj.weight", new long[] {inner, width});
            shapes.put(p + "mlp.down_proj.weight", new long[] {width, inner});
        }
        shapes.put(FINAL_NORM, new long[] {width});
        if (!config.tiedEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {config.vocabSize(), width});
        }
        return shapes;
    }
}
