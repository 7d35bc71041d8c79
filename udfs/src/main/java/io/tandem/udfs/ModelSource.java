package io.tandem.udfs;

import io.tandem.model.CausalLm;
import io.tandem.model.LanguageModel;
import io.tandem.model.ModelDevice;
import io.tandem.model.ModelException;
import io.tandem.model.emulated.EmulatedModel;
import io.tandem.planner.acceptance.PositionalAcceptance;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Where a model stage gets its model: a real model directory run by DJL, or one side of a measured
 * stage profile, emulated. Travels with the job graph to the TaskManagers, which load it there
 * (once per JVM, see {@link SharedModels}). Immutable; equal sources share one loaded model.
 *
 * @param dir the model directory: the model itself, or for an emulated model the directory whose
 *     tokenizer and vocabulary it uses
 * @param profile the stage profile to emulate, or {@code null} for the real model
 * @param role the side of the profile's pair to emulate; {@code null} for a real model
 * @param acceptance the emulated draft's acceptance by draft position, or {@code null} for the
 *     profile's alpha
 * @param device where a real model computes; emulated ones compute nothing
 */
public record ModelSource(
        String dir,
        String profile,
        EmulatedModel.Role role,
        double[] acceptance,
        ModelDevice device)
        implements Serializable {

    public ModelSource {
        Objects.requireNonNull(dir, "dir");
        if ((profile == null) != (role == null)) {
            throw new IllegalArgumentException("an emulated model needs a profile and a role");
        }
        acceptance = acceptance == null ? null : acceptance.clone();
        Objects.requireNonNull(device, "device");
    }

    /** The model in {@code dir}, run by DJL on the CPU. */
    public static ModelSource real(String dir) {
        return real(dir, ModelDevice.CPU);
    }

    /** The model in {@code dir}, run by DJL on {@code device}. */
    public static ModelSource real(String dir, ModelDevice device) {
        return new ModelSource(dir, null, null, null, device);
    }

    /** The {@code role} side of {@code profile}, emulated, with the tokenizer of {@code dir}. */
    public static ModelSource emulated(
            String dir, String profile, EmulatedModel.Role role, double[] acceptance) {
        return new ModelSource(
                dir, Objects.requireNonNull(profile, "profile"), role, acceptance, ModelDevice.CPU);
    }

    public boolean isEmulated() {
        return profile != null;
    }

    @Override
    public double[] acceptance() {
        return acceptance == null ? null : acceptance.clone();
    }

    /** Loads the model; the caller owns it. */
    LanguageModel load() throws ModelException {
        if (!isEmulated()) {
            return CausalLm.load(Path.of(dir), device);
        }
        return EmulatedModel.load(
                Path.of(profile),
                role,
                Path.of(dir),
                acceptance == null ? null : new PositionalAcceptance(acceptance));
    }

    /** The key of the loaded model: sources that load the same model are equal. */
    ModelSource normalized() {
        return new ModelSource(
                Path.of(dir).toAbsolutePath().normalize().toString(),
                profile == null ? null : Path.of(profile).toAbsolutePath().normalize().toString(),
                role,
                acceptance,
                device);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSource other
                && dir.equals(other.dir)
                && Objects.equals(profile, other.profile)
                && role == other.role
                && Arrays.equals(acceptance, other.acceptance)
                && device.equals(other.device);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dir, profile, role, Arrays.hashCode(acceptance), device);
    }

    @Override
    public String toString() {
        return isEmulated()
                ? role.name().toLowerCase(Locale.ROOT) + " of " + profile + " (emulated)"
                : device.isGpu() ? dir + " on " + device : dir;
    }
}
