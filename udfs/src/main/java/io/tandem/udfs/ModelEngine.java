package io.tandem.udfs;

import io.tandem.model.ModelDevice;
import io.tandem.model.emulated.EmulatedModel;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * What runs the model stages (the job's {@code tandem.model.engine}, the {@code tandem} SQL
 * provider's {@code engine}): the real models on DJL, or stages emulated from a measured stage
 * profile. Immutable; equal engines load the same models.
 *
 * @param profile the stage profile to emulate, or {@code null} for the real models
 * @param acceptance the emulated draft's acceptance by draft position, or {@code null} for the
 *     profile's alpha
 * @param targetDevice where the real target computes
 * @param draftDevice where the real draft computes
 */
public record ModelEngine(
        String profile, double[] acceptance, ModelDevice targetDevice, ModelDevice draftDevice)
        implements Serializable {

    /** The real models, on the CPU. */
    public static final ModelEngine DJL = new ModelEngine(null, null);

    /** The engine name of the real models. */
    public static final String DJL_NAME = "djl";

    /** The engine name of emulated stages. */
    public static final String EMULATED = "emulated";

    public ModelEngine {
        acceptance = acceptance == null ? null : acceptance.clone();
        Objects.requireNonNull(targetDevice, "targetDevice");
        Objects.requireNonNull(draftDevice, "draftDevice");
    }

    /** Stages emulated from {@code profile}, or with {@code null} the real models on the CPU. */
    public ModelEngine(String profile, double[] acceptance) {
        this(profile, acceptance, ModelDevice.CPU, ModelDevice.CPU);
    }

    /** This engine with the real models on the given devices. */
    public ModelEngine onDevices(ModelDevice target, ModelDevice draft) {
        return new ModelEngine(profile, acceptance, target, draft);
    }

    public boolean emulated() {
        return profile != null;
    }

    @Override
    public double[] acceptance() {
        return acceptance == null ? null : acceptance.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ModelEngine engine
                && Objects.equals(profile, engine.profile)
                && Arrays.equals(acceptance, engine.acceptance)
                && targetDevice.equals(engine.targetDevice)
                && draftDevice.equals(engine.draftDevice);
    }

    @Override
    public int hashCode() {
        return Objects.hash(profile, Arrays.hashCode(acceptance), targetDevice, draftDevice);
    }

    /** The target's source: the model in {@code modelDir}, or the profile's target. */
    public ModelSource target(String modelDir) {
        return emulated()
                ? ModelSource.emulated(modelDir, profile, EmulatedModel.Role.TARGET, null)
                : ModelSource.real(modelDir, targetDevice);
    }

    /**
     * The draft's source: the model in {@code draftDir}, or the profile's draft with the target's
     * tokenizer (of {@code modelDir}).
     */
    public ModelSource draft(String modelDir, String draftDir) {
        return emulated()
                ? ModelSource.emulated(modelDir, profile, EmulatedModel.Role.DRAFT, acceptance)
                : ModelSource.real(draftDir, draftDevice);
    }

    @Override
    public String toString() {
        if (emulated()) {
            return EMULATED + " from " + profile;
        }
        return targetDevice.isGpu() || draftDevice.isGpu()
                ? DJL_NAME + " (target on " + targetDevice + ", draft on " + draftDevice + ")"
                : DJL_NAME;
    }
}
