package io.tandem.sql;

import io.tandem.model.emulated.EmulatedModel;
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
     * @param stageProfile the GPU stage profile both stages are emulated from (benchmarks only), or
     *     null for the real models
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
            String stageProfile)
            implements Serializable {

        /** The target's source: the model in {@code targetDir}, or the profile's, emulated. */
        ModelSource target() {
            return stageProfile == null
                    ? ModelSource.real(targetDir)
                    : ModelSource.emulated(
                            targetDir, stageProfile, EmulatedModel.Role.TARGET, null);
        }

        /**
         * The draft's source: the model in {@code draftDir}, or the profile's, emulated with the
         * target's tokenizer.
         */
        ModelSource draft() {
            return stageProfile == null
                    ? ModelSource.real(draftDir)
                    : ModelSource.emulated(targetDir, stageProfile, EmulatedModel.Role.DRAFT, null);
        }
    }
}
