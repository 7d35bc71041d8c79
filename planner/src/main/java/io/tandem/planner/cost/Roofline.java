package io.tandem.planner.cost;

/**
 * FLOPs to seconds for one forward pass: the pass takes as long as the slower of its arithmetic at
 * a fraction η of peak and one read of the weights, plus a fixed launch cost. The weight-read floor
 * is what makes speculation and batching pay: one read serves every position of every sequence in
 * the pass. Without it, verifying {@code l + 1} positions would cost {@code l + 1} decode passes
 * and speculation could never win.
 *
 * @param efficiency the achieved fraction η of peak FLOP/s, in (0, 1]
 * @param launchSeconds fixed cost per pass, {@code >= 0}
 */
public record Roofline(double efficiency, double launchSeconds) {

    public Roofline {
        if (!(efficiency > 0 && efficiency <= 1) || !(launchSeconds >= 0)) {
            throw new IllegalArgumentException(
                    "roofline needs efficiency in (0, 1] and launchSeconds >= 0, got "
                            + efficiency
                            + ", "
                            + launchSeconds);
        }
    }

    /** Seconds of one pass of {@code flops} that reads {@code weightBytes} on {@code device}. */
    public double seconds(double flops, double weightBytes, Device device) {
        double compute = flops / (efficiency * device.flopsPerSecond());
        double memory = weightBytes / device.memoryBytesPerSecond();
        return Math.max(compute, memory) + launchSeconds;
    }
}
