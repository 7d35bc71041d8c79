package io.tandem.model.internal;

import java.util.Map;

/**
 * A Llama-family model written straight from the equations with plain loops over Hugging Face
 * weights, as an independent reference for {@link LlamaNetwork}: RMSNorm with its gain, RoPE with
 * {@code rotate_half} at position {@code t}, each query head attending to key/value head {@code
 * head / groups}, the attention scale applied to the scores, {@code down(silu(gate(x)) * up(x))}.
 */
final class NaiveLlama {

    private final LlamaConfig config;
    private final Map<String, HostTensor> weights;

    NaiveLlama(LlamaConfig config, Map<String, HostTensor> weights) {
        this.config = config;
        this.weights = weights;
    }

    /** Logits for every position of {@code tokens}: [tokens.length][vocab]. */
    float[][] logits(int[] tokens) {
        int width = config.width();
        float[] embedding = w(LlamaParameters.EMBEDDING);
        float[][] x = new float[tokens.length][width];
        for (int t = 0; t < tokens.length; t++) {
            System.arraycopy(embedding, tokens[t] * width, x[t], 0, width);
        }
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = LlamaParameters.layer(layer);
            add(x, attention(rmsNorm(x, p + "input_layernorm.weight"), p));
            float[][] h = rmsNorm(x, p + "post_attention_layernorm.weight");
            float[][] gate = linear(h, p + "mlp.gate_proj.weight", null);
            float[][] up = linear(h, p + "mlp.up_proj.weight", null);
            for (int t = 0; t < h.length; t++) {
                for (int i = 0; i < gate[t].length; i++) {
                    double g = gate[t][i];
                    gate[t][i] = (float) (g / (1 + Math.exp(-g)) * up[t][i]);
                }
            }
            add(x, linear(gate, p + "mlp.down_proj.weight", null));
        }
        String head = config.tiedEmbeddings() ? LlamaParameters.EMBEDDING : LlamaParameters.LM_HEAD;
        return linear(rmsNorm(x, LlamaParameters.FINAL_NORM), head, null);
    }

    private float[][] attention(float[][] h, String p) {
        int headDim = config.headDim();
        float[][] q = inputProjection(h, p + "self_attn.q_proj");
        float[][] k = inputProjection(h, p + "self_attn.k_proj");
        float[][] v = inputProjection(h, p + "self_attn.v_proj");
        for (int t = 0; t < h.length; t++) {
            for (int head = 0; head < config.heads(); head++) {
                rotate(q[t], head * headDim, t);
            }
            for (int head = 0; head < config.kvHeads(); head++) {
                rotate(k[t], head * headDim, t);
            }
        }
        float[][] out = new float[h.length][config.heads() * headDim];
        for (int head = 0; head < config.heads(); head++) {
            int q0 = head * headDim;
            int kv0 = head / config.groups() * headDim;
            for (int t = 0; t < h.length; t++) {
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) {
                        dot += q[t][q0 + i] * k[s][kv0 + i];
                    }
                    scores[s] = dot / Math.sqrt(headDim);
                    max = Math.max(max, scores[s]);
                }
                double total = 0;
                for (int s = 0; s <= t; s++) {
                    scores[s] = Math.exp(scores[s] - max);
                    total += scores[s];
                }
                for (int i = 0; i < headDim; i++) {
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        sum += scores[s] / total * v[s][kv0 + i];
                    }
                    out[t][q0 + i] = (float) sum;
                }
            }
        }
        String outputBias = config.outputBias() ? p + "self_attn.o_proj.bias" : null;
        return linear(out, p + "self_attn.o_proj.weight", outputBias);
    }

    private float[][] inputProjection(float[][] h, String name) {
        return linear(h, name + ".weight", config.qkvBias() ? name + ".bias" : null);
    }

    /**
     * RoPE on the head starting at {@code offset}: {@code x * cos + rotate_half(x) * sin}, where
     * {@code rotate_half(x1, x2) = (-x2, x1)} and dimensions {@code i} and {@code i + headDim/2}
     * share the angle {@code position * theta^(-2i / headDim)}.
     */
    private void rotate(float[] vector, int offset, int position) {
        int half = config.headDim() / 2;
        double[] x = new double[2 * half];
        for (int i = 0; i < x.length; i++) {
            x[i] = vector[offset + i];
        }
        for (int i = 0; i < x.length; i++) {
            double angle = position * Math.pow(config.ropeTheta(), -2.0 * (i % half) / x.length);
            double rotatedHalf = i < half ? -x[i + half] : x[i - half];
            vector[offset + i] = (float) (x[i] * Math.cos(angle) + rotatedHalf * Math.sin(angle));
        }
    }

    /** {@code x / sqrt(mean(x^2) + eps) * gain}, per position. */
    private float[][] rmsNorm(float[][] x, String gainName) {
        float[] gain = w(gainName);
        float[][] y = new float[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            double squares = 0;
            for (float v : x[t]) {
                squares += (double) v * v;
            }
            double scale = 1 / Math.sqrt(squares / x[t].length + config.rmsNormEpsilon());
            for (int i = 0; i < x[t].length; i++) {
                y[t][i] = (float) (x[t][i] * scale * gain[i]);
            }
        }
        return y;
    }

    /** {@code y = x W^T + b} with an {@code nn.Linear} weight [out, in]. */
    private float[][] linear(float[][] x, String weightName, String biasName) {
        HostTensor weight = weights.get(weightName);
        int out = (int) weight.shape()[0];
        int in = (int) weight.shape()[1];
        float[] bias = biasName == null ? new float[out] : w(biasName);
        float[][] y = new float[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double sum = bias[o];
                for (int i = 0; i < in; i++) {
                    sum += (double) x[t][i] * weight.values()[o * in + i];
                }
                y[t][o] = (float) sum;
            }
        }
        return y;
    }

    private static void add(float[][] x, float[][] delta) {
        for (int t = 0; t < x.length; t++) {
            for (int i = 0; i < x[t].length; i++) {
                x[t][i] += delta[t][i];
            }
        }
    }

    private float[] w(String name) {
        return weights.get(name).values();
    }
}
