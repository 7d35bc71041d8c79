package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;

/**
 * A decoder-only transformer's forward pass over new positions of a batch of sequences, with a
 * key/value cache of the positions before them. The one seam between the architectures (GPT-2,
 * Llama) and everything that drives them: generation, sessions, speculative decoding, training.
 *
 * <p>Positions and the attention bias are given per batch row, so rows may hold sequences of
 * different lengths (left padding) and holes (cached positions a row must not see, such as rejected
 * draft tokens), all masked by the bias.
 *
 * <p>Implementations are thread-safe: they only read their weights. Temporaries and results belong
 * to the manager of {@code tokens}.
 */
public interface TransformerNetwork {

    /** Additive attention bias for masked positions: exp underflows to exactly 0, no NaNs. */
    float MASKED = -1e9f;

    /** The architecture's hyper-parameters. */
    ModelConfig config();

    /** Token ids are {@code 0..vocabSize-1}. */
    default int vocabSize() {
        return config().vocabSize();
    }

    /** The longest sequence (cached plus new positions) the network supports. */
    default int contextLength() {
        return config().contextLength();
    }

    /** Transformer blocks, and so the layers of a {@link KvCache}. */
    default int layers() {
        return config().layers();
    }

    /** The end-of-sequence token, or -1 if there is none. */
    default int eosTokenId() {
        return config().eosTokenId();
    }

    /**
     * Runs the network over {@code seq} new positions per sequence.
     *
     * @param tokens [batch, seq] integer token ids
     * @param positions [batch, seq] integer position ids
     * @param attentionBias [batch or 1, 1, seq, past + seq] additive bias: 0 where a query may
     *     attend, {@link #MASKED} elsewhere (future positions, padding, holes)
     * @param cache the keys and values of the {@code past} positions, appended to; {@code null}
     *     when nothing is cached (training, full forward)
     * @param lastPositionOnly whether to compute logits for the last position only
     * @return logits, [batch, vocab] if {@code lastPositionOnly}, else [batch, seq, vocab]
     */
    NDArray forward(
            NDArray tokens,
            NDArray positions,
            NDArray attentionBias,
            KvCache cache,
            boolean lastPositionOnly);
}
