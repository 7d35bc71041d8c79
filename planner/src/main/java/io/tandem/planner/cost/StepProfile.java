package io.tandem.planner.cost;

import java.util.List;
import java.util.Objects;

/**
 * Measured step times of one model on one machine (what {@code ./tandem bench models} records:
 * decode against batch size and context, and prefills), and the {@link StepFit} that summarises
 * them.
 *
 * @param model the model's name
 * @param samples the measurements, at least one; the list is copied
 */
public record StepProfile(String model, List<StepSample> samples) {

    public StepProfile {
        Objects.requireNonNull(model, "model");
        samples = List.copyOf(samples);
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("profile of " + model + " has no samples");
        }
    }

    /**
     * Fits {@code t = c0 + c1·batch + c2·batch·newTokens + c3·batch·newTokens·context +
     * c4·ln(batch·newTokens)} with non-negative coefficients, minimising the squared
     * <em>relative</em> error. Relative, because the samples span orders of magnitude (a decode
     * step against a long prefill) and an absolute fit would spend all its accuracy on the largest
     * ones. Non-negative, because every term is a cost: a negative one would extrapolate to
     * negative times outside the measured range.
     */
    public StepFit fit() {
        double[][] rows = new double[samples.size()][];
        double[] ones = new double[samples.size()];
        for (int i = 0; i < rows.length; i++) {
            StepSample s = samples.get(i);
            double[] features = StepFit.features(s.batch(), s.newTokens(), s.context());
            rows[i] = new double[features.length];
            for (int j = 0; j < features.length; j++) {
                rows[i][j] = features[j] / s.millis();
            }
            ones[i] = 1;
        }
        double[] c = NonNegativeLeastSquares.solve(rows, ones);
        StepFit unrated = new StepFit(c[0], c[1], c[2], c[3], c[4], 0);
        double worst = 0;
        for (StepSample s : samples) {
            double predicted = unrated.millis(s.batch(), s.newTokens(), s.context());
            worst = Math.max(worst, Math.abs(predicted - s.millis()) / s.millis());
        }
        return new StepFit(c[0], c[1], c[2], c[3], c[4], worst);
    }
}
