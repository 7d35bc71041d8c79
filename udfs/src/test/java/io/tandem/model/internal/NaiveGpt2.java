package io.tandem.model.internal;

import java.util.Map;

/**
 * GPT-2 written straight from the equations with plain float loops, as an independent reference for
 * {@link Gpt2Network}: Hugging Face Conv1D weights used as stored ({@code y = x W + b}), the
 * attention scale applied to the scores, and the LM head as dot products with the token embeddings.
 */
final class NaiveGpt2 {

    /** a5..a1 of Abramowitz and Stegun 7.1.26, highest power first. */
    private static final double[] ERF_COEFFICIENTS = {
        1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592
    };

    private final Gpt2Config config;
    private final Map<String, HostTensor> weights;

    NaiveGpt2(Gpt2Config config, Map<String, HostTensor> weights) {
        this.config = config;
        this.weights = weights;
    }

    /** Logits for every position of {@code tokens}: [tokens.length][vocab]. */
    float[][] logits(int[] tokens) {
        int length = tokens.length;
        int width = config.width();
        float[] wte = w("wte.weight");
        float[] wpe = w("wpe.weight");
        float[][] x = new float[length][width];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < width; i++) {
                x[t][i] = wte[tokens[t] * width + i] + wpe[t * width + i];
            }
        }
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = "h." + layer + ".";
            float[][] attended = attention(layerNorm(x, p + "ln_1"), p);
            float[][] projected = affine(attended, p + "attn.c_proj");
            add(x, projected);
            float[][] hidden = affine(layerNorm(x, p + "ln_2"), p + "mlp.c_fc");
            for (float[] row : hidden) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = activation(row[i]);
                }
            }
            add(x, affine(hidden, p + "mlp.c_proj"));
        }
        float[][] normalized = layerNorm(x, "ln_f");
        float[][] logits = new float[length][config.vocabSize()];
        for (int t = 0; t < length; t++) {
            for (int v = 0; v < config.vocabSize(); v++) {
                double sum = 0;
                for (int i = 0; i < width; i++) {
                    sum += normalized[t][i] * wte[v * width + i];
                }
                logits[t][v] = (float) sum;
            }
        }
        return logits;
    }

    private float[][] attention(float[][] h, String p) {
        int length = h.length;
        int width = config.width();
        int headDim = config.headDim();
        float[][] qkv = affine(h, p + "attn.c_attn"); // columns: q | k | v
        float[][] out = new float[length][width];
        for (int head = 0; head < config.heads(); head++) {
            int q0 = head * headDim;
            int k0 = width + head * headDim;
            int v0 = 2 * width + head * headDim;
            for (int t = 0; t < length; t++) {
                double[] scores = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int s = 0; s <= t; s++) {
                    double dot = 0;
                    for (int i = 0; i < headDim; i++) {
                        dot += qkv[t][q0 + i] * qkv[s][k0 + i];
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
                        sum += scores[s] / total * qkv[s][v0 + i];
                    }
                    out[t][head * headDim + i] = (float) sum;
                }
            }
        }
        return out;
    }

    /** y = x W + b with W stored [in, out]. */
    private float[][] affine(float[][] x, String name) {
        HostTensor weight = weights.get(name + ".weight");
        int in = (int) weight.shape()[0];
        int out = (int) weight.shape()[1];
        float[] b = w(name + ".bias");
        float[][] y = new float[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < out; j++) {
                double sum = b[j];
                for (int i = 0; i < in; i++) {
                    sum += x[t][i] * weight.values()[i * out + j];
                }
                y[t][j] = (float) sum;
            }
        }
        return y;
    }

    private float[][] layerNorm(float[][] x, String name) {
        float[] gain = w(name + ".weight");
        float[] bias = w(name + ".bias");
        float[][] y = new float[x.length][x[0].length];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (float v : x[t]) {
                mean += v;
            }
            mean /= x[t].length;
            double variance = 0;
            for (float v : x[t]) {
                variance += (v - mean) * (v - mean);
            }
            variance /= x[t].length; // biased, as LayerNorm
            double scale = 1 / Math.sqrt(variance + config.layerNormEpsilon());
            for (int i = 0; i < x[t].length; i++) {
                y[t][i] = (float) ((x[t][i] - mean) * scale * gain[i] + bias[i]);
            }
        }
        return y;
    }

    private float activation(float v) {
        return switch (config.activation()) {
            case GELU -> (float) (0.5 * v * (1 + erf(v / Math.sqrt(2))));
            case GELU_TANH ->
                    (float)
                            (0.5
                                    * v
                                    * (1
                                            + Math.tanh(
                                                    Math.sqrt(2 / Math.PI)
                                                            * (v + 0.044715 * v * v * v))));
        };
    }

    /** Abramowitz and Stegun 7.1.26; absolute error below 1.5e-7, far inside the test tolerance. */
    private static double erf(double x) {
        double t = 1 / (1 + 0.3275911 * Math.abs(x));
        double poly = 0;
        for (double coefficient : ERF_COEFFICIENTS) {
            poly = (poly + coefficient) * t;
        }
        double y = 1 - poly * Math.exp(-x * x);
        return x >= 0 ? y : -y;
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
