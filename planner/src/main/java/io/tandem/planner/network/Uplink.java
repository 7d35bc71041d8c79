package io.tandem.planner.network;

/**
 * The shared wireless uplink to the SBS: a band of {@code W} Hz with thermal noise of density N0.
 * It gives each user the two numbers the allocation models need: the SNR over the full band, γ =
 * p·g / (N0·W), for model M2, and the spectral efficiency e = log2(1 + p·g / σ²) with σ² = N0·W,
 * for model M1.
 *
 * @param bandwidthHz total band W, {@code > 0}
 * @param noiseDbmPerHz noise power spectral density N0 in dBm/Hz (thermal: −174)
 */
public record Uplink(double bandwidthHz, double noiseDbmPerHz) {

    public Uplink {
        if (!(bandwidthHz > 0) || !Double.isFinite(noiseDbmPerHz)) {
            throw new IllegalArgumentException(
                    "uplink needs a positive band and a finite noise density, got "
                            + bandwidthHz
                            + " Hz, "
                            + noiseDbmPerHz
                            + " dBm/Hz");
        }
    }

    /** N0 in W/Hz. */
    public double noiseWattsPerHz() {
        return Math.pow(10, (noiseDbmPerHz - 30) / 10);
    }

    /** Noise power over the whole band, σ² = N0·W, in W. */
    public double noiseWatts() {
        return noiseWattsPerHz() * bandwidthHz;
    }

    /** γ_k: the user's SNR if it had the whole band. */
    public double snrFullBand(UserChannel user) {
        return user.transmitWatts() * user.gain() / noiseWatts();
    }

    /** e_k in bit/s/Hz under model M1 (noise over the whole band, whatever the share). */
    public double spectralEfficiency(UserChannel user) {
        return Math.log1p(snrFullBand(user)) / Math.log(2);
    }

    /**
     * a_k = D_k / (W·e_k): seconds the user would need to send {@code bits} with the whole band
     * under model M1, the input of {@link BandwidthAllocator#proportional}.
     */
    public double demandSeconds(double bits, UserChannel user) {
        if (!(bits >= 0)) {
            throw new IllegalArgumentException("bits must be >= 0, got " + bits);
        }
        return bits / (bandwidthHz * spectralEfficiency(user));
    }
}
