package io.tandem.job.config;

import io.tandem.model.emulated.EmulatedModel;
import io.tandem.udfs.ModelSource;
import java.io.Serializable;

/**
 * What runs the model stages ({@code tandem.model.engine}): the real models on DJL, or stages
 * emulated from a measured stage profile. Immutable.
 *
 * @param profile the stage profile to emulate, or {@code null} for the real models
 * @param acceptance the emulated draft's acceptance by draft position, or {@code null} for the
 *     profile's alpha
 */
public record ModelEngine(String profile, double[] acceptance) implements Serializable {

    /** The real models. */
    public static final ModelEngine DJL = new ModelEngine(null, null);

    /** The {@code tandem.model.engine} value of the real models. */
    public static final String DJL_NAME = "djl";

    /** The {@code tandem.model.engine} value of emulated stages. */
    public static final String EMULATED = "emulated";

    public ModelEngine {
        acceptance = acceptance == null ? null : acceptance.clone();
    }

    public boolean emulated() {
        return profile != null;
    }

    @Override
    public double[] acceptance() {
        return acceptance == null ? null : acceptance.clone();
    }

    /** The target's source: the model in {@code modelDir}, or the profile's target. */
    public ModelSource target(String modelDir) {
        return emulated()
                ? ModelSource.emulated(modelDir, profile, EmulatedModel.Role.TARGET, null)
                : ModelSource.real(modelDir);
    }

    /**
     * The draft's source: the model in {@code draftDir}, or the profile's draft with the target's
     * tokenizer (of {@code modelDir}).
     */
    public ModelSource draft(String modelDir, String draftDir) {
        return emulated()
                ? ModelSource.emulated(modelDir, profile, EmulatedModel.Role.DRAFT, acceptance)
                : ModelSource.real(draftDir);
    }

    @Override
    public String toString() {
        return emulated() ? EMULATED + " from " + profile : DJL_NAME;
    }
}
