package io.tandem.planner.cost;

import io.tandem.planner.BatchShape;
import java.util.Objects;

/**
 * Stage costs from step times measured on real models ({@link StepFit}s of {@code ./tandem bench
 * models} profiles, or {@link StepTable}s of measured GPU shapes) rather than from FLOPs and vendor
 * peaks: the model to plan with when serving, where the paper's roofline is only a guess at the
 * hardware. With {@code n} sequences, Ī the round-average context and {@code l} the speculation
 * length:
 *
 * <ul>
 *   <li>draft round: {@code l} single-token steps, {@code l · draft(n, 1, Ī)};
 *   <li>verify round: one pass over {@code l + 1} positions, {@code target(n, l + 1, Ī)}, plus
 *       {@code n · l} draft tokens' transfer;
 *   <li>prefills: one pass over the padded prompt, {@code prefill(n, I_max)};
 *   <li>autoregressive target step: {@code target(n, 1, Ī)}.
 * </ul>
 *
 * <p>Only draft tokens are charged for transfer: they carry whole distributions, while prompts and
 * results are token ids, negligible next to a measured step. As in {@link PaperStageCosts}, the
 * verify prefill is the prompt pass alone and does not depend on {@code l}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param draft the draft model's step times
 * @param target the target model's step times
 * @param transferSecondsPerDraftToken seconds to move one draft token and its distribution to the
 *     verifier, {@code >= 0}
 */
public record MeasuredStageCosts(
        StepTime draft, StepTime target, double transferSecondsPerDraftToken)
        implements StageCosts {

    public MeasuredStageCosts {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(target, "target");
        if (!(transferSecondsPerDraftToken >= 0)) {
            throw new IllegalArgumentException(
                    "transfer seconds per draft token must be >= 0, got "
                            + transferSecondsPerDraftToken);
        }
    }

    @Override
    public double draftRound(BatchShape batch, int l) {
        requireLength(l);
        return l * draft.seconds(batch.size(), 1, batch.meanContext());
    }

    @Override
    public double verifyRound(BatchShape batch, int l) {
        requireLength(l);
        int n = batch.size();
        return target.seconds(n, l + 1, batch.meanContext()) + n * l * transferSecondsPerDraftToken;
    }

    @Override
    public double draftPrefill(BatchShape batch) {
        return prefill(draft, batch);
    }

    @Override
    public double verifyPrefill(BatchShape batch, int l) {
        requireLength(l);
        return prefill(target, batch);
    }

    @Override
    public double targetStep(BatchShape batch) {
        return target.seconds(batch.size(), 1, batch.meanContext());
    }

    @Override
    public double targetPrefill(BatchShape batch) {
        return prefill(target, batch);
    }

    private static double prefill(StepTime time, BatchShape batch) {
        return time.prefillSeconds(batch.size(), batch.maxInputTokens());
    }

    private static void requireLength(int l) {
        if (l < 0) {
            throw new IllegalArgumentException("speculation length must be >= 0, got " + l);
        }
    }
}
