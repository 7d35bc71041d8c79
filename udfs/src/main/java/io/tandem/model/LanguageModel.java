package io.tandem.model;

/**
 * A model the draft and verify stages serve: what it is, its tokenizer, and KV sessions on it. A
 * {@link CausalLm} computes real logits with DJL; an emulated model (see {@code
 * io.tandem.model.emulated}) takes the time a measured GPU profile gives and answers from a
 * deterministic token stream.
 */
public interface LanguageModel extends AutoCloseable {

    ModelInfo info();

    /** The model's tokenizer; owned by the model and closed with it. */
    TextTokenizer tokenizer();

    /** Opens a store of per-request KV sessions on this model. Close it before the model. */
    SessionStore openSessions(SessionLimits limits);

    /** Frees what the model holds. */
    @Override
    void close();
}
