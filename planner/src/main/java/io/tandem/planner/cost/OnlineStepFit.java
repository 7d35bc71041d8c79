package io.tandem.planner.cost;

import java.util.Objects;

/**
 * Step times fitted while serving: a profile's {@link StepTime} (the prior) corrected by the model
 * calls actually made, {@code t = scale · passes · prior(b, q, s) + offset} per call of {@code
 * passes} passes. The offset is per call, not per pass: a call's fixed costs (handing the batch to
 * the worker, reading the logits, judging the drafts) are paid once however many passes it runs,
 * and a plain round of 8 passes must not be priced as 8 calls. The profile knows how a pass's time
 * grows with its shape (batch, positions, context), which a few hundred noisy calls cannot teach;
 * what the calls do teach is how this machine, under this load, differs from the quiet machine the
 * profile was measured on: contention for cores, other batches' work in the same process, a warmer
 * or colder JIT. Two coefficients learn that quickly and cannot overfit.
 *
 * <p>The fit is weighted least squares over the calls seen, each call's weight decaying by {@code
 * forgetting} per later call, so the model follows load as it changes; the prior enters as {@code
 * priorWeight} pseudo-calls at a small and at a large shape with {@code t = prior}, made before the
 * first real call and fading like one, so with no calls the fit is the profile, and the
 * measurements soon outweigh it.
 *
 * <p>Not thread-safe: one loop head owns it.
 */
public final class OnlineStepFit implements StepTime {

    /** Weight of the newest call relative to the one before it, per call. */
    public static final double FORGETTING = 0.98;

    /** Pseudo-calls the profile counts as, at each of its two reference shapes. */
    public static final double PRIOR_WEIGHT = 4;

    private static final double MIN_SCALE = 0.05;

    private final StepTime prior;
    private final double forgetting;
    // decayed sums over the calls and the prior's pseudo-calls: weights, x, y, x², xy (x = the
    // profile's time of the call's passes, y = the measured call)
    private double n;
    private double sx;
    private double sy;
    private double sxx;
    private double sxy;
    private long calls;
    private double scale = 1;
    private double offset;

    /**
     * @param prior the profile's step times
     * @param forgetting per-call decay of older calls' weight, in (0, 1]
     * @param priorWeight pseudo-calls the prior counts as at each reference shape, {@code > 0}
     */
    public OnlineStepFit(StepTime prior, double forgetting, double priorWeight) {
        this.prior = Objects.requireNonNull(prior, "prior");
        if (!(forgetting > 0 && forgetting <= 1) || !(priorWeight > 0)) {
            throw new IllegalArgumentException(
                    "need forgetting in (0, 1] and a positive prior weight, got "
                            + forgetting
                            + ", "
                            + priorWeight);
        }
        this.forgetting = forgetting;
        double small = prior.millis(1, 1, 64);
        double large = prior.millis(16, 4, 256);
        n = 2 * priorWeight;
        sx = priorWeight * (small + large);
        sy = sx;
        sxx = priorWeight * (small * small + large * large);
        sxy = sxx;
    }

    /** A fit starting at {@code prior} with the default forgetting and prior weight. */
    public OnlineStepFit(StepTime prior) {
        this(prior, FORGETTING, PRIOR_WEIGHT);
    }

    /**
     * Learns from a call of {@code passes} passes of {@code batch} sequences, each adding {@code
     * newTokens} positions over a mean context of {@code context}, that took {@code millis}; before
     * them, the call prefilled the prompts of {@code prefills} of its sequences, {@code
     * prefillTokens} tokens in all, in a pass of their own (0 and 0 when it prefilled none).
     */
    public void observe(
            int batch,
            int newTokens,
            double context,
            int passes,
            int prefills,
            int prefillTokens,
            double millis) {
        if (batch < 1
                || newTokens < 1
                || passes < 1
                || !(millis > 0)
                || !(context >= 0)
                || prefills < 0
                || (prefills > 0) != (prefillTokens > 0)) {
            return; // nothing ran, or a shape that says nothing about a pass
        }
        double x = passes * prior.millis(batch, newTokens, context);
        if (prefills > 0) {
            // the profile's prefill of the mean prompt, at the prefilled batch's size
            x +=
                    prior.prefillMillis(
                            prefills, Math.max(1, Math.round((float) prefillTokens / prefills)));
        }
        double y = millis;
        n = forgetting * n + 1;
        sx = forgetting * sx + x;
        sy = forgetting * sy + y;
        sxx = forgetting * sxx + x * x;
        sxy = forgetting * sxy + x * y;
        calls++;
        solve();
    }

    private void solve() {
        double w = n;
        double x = sx;
        double y = sy;
        double xx = sxx;
        double xy = sxy;
        double det = w * xx - x * x;
        double k = (w * xy - x * y) / det;
        double c = (y - k * x) / w;
        if (!(det > 0) || !(k >= MIN_SCALE) || c < 0) {
            // the calls do not separate scale from offset, or contradict the profile's shape (a
            // negative offset: calls grow faster than the profile says, as when a loaded machine
            // stretches long calls more than short ones). Extrapolating such a line prices long
            // calls far above anything measured; the least-squares fit with the offset held at 0
            // (the constrained optimum when the free one has c < 0) keeps the profile's shape and
            // fits its scale alone
            k = Math.max(MIN_SCALE, xy / xx);
            c = 0;
        }
        scale = k;
        offset = c;
    }

    /** Predicted milliseconds of a call of {@code passes} passes of the given shape. */
    public double callMillis(int batch, int newTokens, double context, int passes) {
        return Math.max(0, scale * passes * prior.millis(batch, newTokens, context) + offset);
    }

    /** Predicted milliseconds of a call of one pass. */
    @Override
    public double millis(int batch, int newTokens, double context) {
        return callMillis(batch, newTokens, context, 1);
    }

    @Override
    public double maxRelativeError() {
        return prior.maxRelativeError();
    }

    /** The factor the profile's pass times are multiplied by. */
    public double scale() {
        return scale;
    }

    /** Milliseconds added to every call, after scaling. */
    public double offsetMillis() {
        return offset;
    }

    /** The profile's step times this fit corrects. */
    public StepTime prior() {
        return prior;
    }

    /** Calls learned from. */
    public long calls() {
        return calls;
    }
}
