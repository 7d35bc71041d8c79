package io.tandem.sql;

import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ModelSource;
import io.tandem.udfs.ServingMode;
import java.io.Serializable;
import java.util.List;

/**
 * A {@code CREATE MODEL ... WITH ('provider' = 'tandem', ...)} as checked by {@link
 * TandemModelProviderFactory}: the models and how they decode ({@link Serving}), how each row is
 * sampled and checked, and which output columns to fill, in order.
 *
 * @param maxPromptTokens the longest prompt a row may have, in the target's tokens
 * @param outputs the model's output columns, each one of {@link OutputColumn}
 */
record ModelSettings(
        Serving serving,
        int maxPromptTokens,
        double temperature,
        double topP,
        long seed,
        ErrorHandling errorHandling,
        List<OutputColumn> outputs)
        implements Serializable {

    /** What a row that cannot be served becomes when the model has no {@code error} column. */
    enum ErrorHandling {
        /** Dropped, with a log line: the row has no prediction. */
        IGNORE,
        /** The job fails, and restarts as its restart strategy says. */
        FAILOVER
    }

    /**
     * What a shared generator is built from: the rows of models with the same share model calls.
     *
     * @param draftDir null in mode {@code ad}
     * @param plannerProfile the pair's measured profile; only in mode {@code sd}
     * @param engineThreads PyTorch threads of the generator's model calls; 0 for the process's
     * @param engine the real models, or stages emulated from a GPU stage profile (benchmarks only)
     */
    record Serving(
            String targetDir,
            String draftDir,
            ServingMode mode,
            String plannerProfile,
            int speculationLength,
            int maxNewTokens,
            int maxBatchSize,
            int engineThreads,
            ModelEngine engine)
            implements Serializable {

        /** The target's source. */
        ModelSource target() {
            return engine.target(targetDir);
        }

        /** The draft's source: emulated ones take the target's tokenizer. */
        ModelSource draft() {
            return engine.draft(targetDir, draftDir);
        }
    }
}
