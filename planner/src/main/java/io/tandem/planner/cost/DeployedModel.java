package io.tandem.planner.cost;

import java.util.Objects;

/**
 * A model on the GPU that runs it: its shape for the FLOPs, its weight bytes for the roofline's
 * memory floor.
 *
 * @param shape the model's dimensions
 * @param weightBytes bytes read per forward pass (the weights at serving precision), {@code > 0}
 * @param device the GPU
 */
public record DeployedModel(TransformerShape shape, double weightBytes, Device device) {

    public DeployedModel {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(device, "device");
        if (!(weightBytes > 0)) {
            throw new IllegalArgumentException(
                    shape.name() + " needs positive weight bytes, got " + weightBytes);
        }
    }

    /** Seconds of one pass of {@code flops} (the whole batch's) under {@code roofline}. */
    public double seconds(double flops, Roofline roofline) {
        return roofline.seconds(flops, weightBytes, device);
    }
}
