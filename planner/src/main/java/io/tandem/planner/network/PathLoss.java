package io.tandem.planner.network;

/**
 * Log-distance path loss {@code intercept + slope·log10(d_km)} dB.
 *
 * @param interceptDb loss at 1 km
 * @param slopeDbPerDecade extra loss per tenfold distance
 */
public record PathLoss(double interceptDb, double slopeDbPerDecade) {

    /** The common 3GPP macro-cell model, 128.1 + 37.6·log10(d_km) dB; the simulator's default. */
    public static final PathLoss MACRO = new PathLoss(128.1, 37.6);

    public PathLoss {
        if (!Double.isFinite(interceptDb) || !Double.isFinite(slopeDbPerDecade)) {
            throw new IllegalArgumentException(
                    "path loss needs finite parameters, got "
                            + interceptDb
                            + ", "
                            + slopeDbPerDecade);
        }
    }

    /** Loss in dB at {@code distanceKm > 0}. */
    public double lossDb(double distanceKm) {
        if (!(distanceKm > 0)) {
            throw new IllegalArgumentException("distance must be > 0 km, got " + distanceKm);
        }
        return interceptDb + slopeDbPerDecade * Math.log10(distanceKm);
    }

    /** Linear power gain at {@code distanceKm > 0}, {@code 10^(-loss/10)}. */
    public double gain(double distanceKm) {
        return Math.pow(10, -lossDb(distanceKm) / 10);
    }
}
