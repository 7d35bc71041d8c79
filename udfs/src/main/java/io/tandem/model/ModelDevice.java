package io.tandem.model;

import java.io.Serializable;

/**
 * Where a model computes: the CPU, or one GPU by its index ({@code cpu}, {@code gpu} for the first,
 * {@code gpu:N}).
 *
 * @param gpu the GPU's index, or -1 for the CPU
 */
public record ModelDevice(int gpu) implements Serializable {

    public static final ModelDevice CPU = new ModelDevice(-1);

    public ModelDevice {
        if (gpu < -1) {
            throw new IllegalArgumentException("a GPU index is >= 0, got " + gpu);
        }
    }

    public boolean isGpu() {
        return gpu >= 0;
    }

    /**
     * {@code cpu}, {@code gpu} (the first GPU) or {@code gpu:N}.
     *
     * @throws IllegalArgumentException for anything else, saying what is allowed
     */
    public static ModelDevice parse(String text) {
        String device = text.trim();
        if (device.equals("cpu")) {
            return CPU;
        }
        if (device.equals("gpu")) {
            return new ModelDevice(0);
        }
        if (device.startsWith("gpu:")) {
            try {
                int index = Integer.parseInt(device.substring(4));
                if (index >= 0) {
                    return new ModelDevice(index);
                }
            } catch (NumberFormatException e) {
                // said below
            }
        }
        throw new IllegalArgumentException(
                "device '" + text + "': cpu, gpu or gpu:N (N, the GPU's index, >= 0)");
    }

    @Override
    public String toString() {
        return isGpu() ? "gpu:" + gpu : "cpu";
    }
}
