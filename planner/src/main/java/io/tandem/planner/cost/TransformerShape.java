package io.tandem.planner.cost;

import java.util.Objects;

/**
 * The dimensions of a decoder-only transformer that its forward-pass FLOPs depend on, as the paper
 * counts them. All FLOPs are per sequence and per pass; a batch costs its size times as much
 * (padding makes every sequence equally long).
 *
 * <p>Per layer and new token: {@code 8h²} for the Q, K, V and O projections, {@code 4·s·h} for the
 * attention over {@code s} positions, and {@code c·h·h₂} for the FFN. The paper's formula uses
 * {@code c = 4} (two FFN matrices); LLaMA's SwiGLU FFN has three, which would be {@code c = 6}. The
 * constants use the paper's 4 so that its numbers reproduce.
 *
 * @param name a display name
 * @param layers transformer layers J, {@code >= 1}
 * @param hidden hidden size h, {@code >= 1}
 * @param ffn FFN intermediate size h₂, {@code >= 1}
 * @param ffnCoefficient FLOPs per FFN weight pair c, {@code > 0}
 */
public record TransformerShape(
        String name, int layers, int hidden, int ffn, double ffnCoefficient) {

    /** JackFram/llama-68m, the paper's smallest draft model. */
    public static final TransformerShape LLAMA_68M =
            new TransformerShape("LLaMA-68M", 2, 768, 3072, 4);

    /** TinyLlama-1.1B. */
    public static final TransformerShape TINYLLAMA_1_1B =
            new TransformerShape("TinyLlama-1.1B", 22, 2048, 5632, 4);

    /** LLaMA-7B. */
    public static final TransformerShape LLAMA_7B =
            new TransformerShape("LLaMA-7B", 32, 4096, 11008, 4);

    /** LLaMA-13B. */
    public static final TransformerShape LLAMA_13B =
            new TransformerShape("LLaMA-13B", 40, 5120, 13824, 4);

    public TransformerShape {
        Objects.requireNonNull(name, "name");
        if (layers < 1 || hidden < 1 || ffn < 1 || !(ffnCoefficient > 0)) {
            throw new IllegalArgumentException(
                    name
                            + " needs layers, hidden, ffn >= 1 and ffnCoefficient > 0, got "
                            + layers
                            + ", "
                            + hidden
                            + ", "
                            + ffn
                            + ", "
                            + ffnCoefficient);
        }
    }

    /**
     * A prefill pass over {@code tokens} prompt tokens with an empty cache: {@code J(8Ih² + 4I²h +
     * c·I·h·h₂)}, the paper's F_1.
     */
    public double prefillFlops(int tokens) {
        return verifyFlops(tokens, 0);
    }

    /**
     * A decode pass of one new token after {@code kvLength} cached positions: {@code J(8h² + 4(kv +
     * 1)h + c·h·h₂)}, the paper's F_2.
     */
    public double decodeFlops(double kvLength) {
        return verifyFlops(1, kvLength);
    }

    /**
     * A pass over {@code q} new positions after {@code kvLength} cached ones: {@code J(8qh² + 4q(kv
     * + q)h + c·q·h·h₂)}, the verify pass F_v (every new position attends to the cache and to all
     * new positions, as the reported prefill formula does). Prefill and decode are the cases {@code
     * kv = 0} and {@code q = 1}.
     */
    public double verifyFlops(int q, double kvLength) {
        if (q < 1 || !(kvLength >= 0)) {
            throw new IllegalArgumentException(
                    name + " needs q >= 1 and kvLength >= 0, got " + q + ", " + kvLength);
        }
        double h = hidden;
        return layers
                * (8.0 * q * h * h + 4.0 * q * (kvLength + q) * h + ffnCoefficient * q * h * ffn);
    }
}
