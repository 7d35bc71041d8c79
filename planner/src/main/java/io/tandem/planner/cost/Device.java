package io.tandem.planner.cost;

import java.util.Objects;

/**
 * A GPU as the roofline sees it: peak arithmetic and memory bandwidth. The constants are vendor
 * FP32 peaks from the manufacturers' spec sheets; the paper's "RTX 4500" at the MBS may be either
 * the Ada or the Ampere card, so both are here.
 *
 * @param name a display name
 * @param flopsPerSecond peak FLOP/s, {@code > 0}
 * @param memoryBytesPerSecond memory bandwidth in bytes/s, {@code > 0}
 */
public record Device(String name, double flopsPerSecond, double memoryBytesPerSecond) {

    /** The paper's SBS card. */
    public static final Device RTX_3080 = new Device("RTX 3080", 29.77e12, 760e9);

    /**
     * The Ada reading of the paper's "RTX 4500", used by the reference instance (docs/planner.md).
     */
    public static final Device RTX_4500_ADA = new Device("RTX 4500 Ada", 39.63e12, 432e9);

    /** The Ampere reading of the paper's "RTX 4500". */
    public static final Device RTX_A4500 = new Device("RTX A4500", 23.7e12, 640e9);

    public Device {
        Objects.requireNonNull(name, "name");
        if (!(flopsPerSecond > 0) || !(memoryBytesPerSecond > 0)) {
            throw new IllegalArgumentException(
                    name
                            + " needs positive FLOP/s and memory bandwidth, got "
                            + flopsPerSecond
                            + ", "
                            + memoryBytesPerSecond);
        }
    }
}
