package io.tandem.udfs;

import io.tandem.model.CausalLm;
import io.tandem.model.ModelException;
import io.tandem.model.internal.RandomGpt2;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The pair the speculative-decoding tests run on: two random tiny byte-level GPT-2s (vocabulary
 * 257, context 32), a draft from seed 7 and a target from seed 5, written under a test's folder.
 */
record RandomPair(CausalLm draft, CausalLm target) implements AutoCloseable {

    static final long DRAFT_SEED = 7;
    static final long TARGET_SEED = 5;

    static RandomPair write(Path root) throws IOException, ModelException {
        CausalLm draft =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("draft"), RandomGpt2.BYTE_LEVEL_CONFIG, DRAFT_SEED));
        CausalLm target =
                CausalLm.load(
                        RandomGpt2.writeModel(
                                root.resolve("target"), RandomGpt2.BYTE_LEVEL_CONFIG, TARGET_SEED));
        return new RandomPair(draft, target);
    }

    @Override
    public void close() {
        draft.close();
        target.close();
    }
}
