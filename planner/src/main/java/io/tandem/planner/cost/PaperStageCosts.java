package io.tandem.planner.cost;

import io.tandem.planner.BatchShape;
import java.util.Objects;

/**
 * The paper's cost model (written out in docs/planner.md, "Stage costs"): batch FLOPs are the batch
 * size times the per-sequence FLOPs at the round-average context Ī ({@link
 * BatchShape#meanContext()}), turned into seconds by a {@link Roofline}, plus fronthaul transfers.
 * With {@code n} sequences and speculation length {@code l}:
 *
 * <ul>
 *   <li>draft round: {@code l} decode passes, {@code l · τ_d(n·F_2(Ī))};
 *   <li>verify round: one pass over {@code l + 1} new positions after Ī cached ones, {@code
 *       τ_v(n·F_v(l + 1, Ī))}, plus the drafts with their distributions out and the results back;
 *   <li>prefills: one pass over the padded prompt with an empty cache, {@code τ(n·F_1(I_max))}; the
 *       verify side also forwards the prompts' token ids;
 *   <li>autoregressive target step: {@code τ_v(n·F_2,target(Ī))} plus one result back.
 * </ul>
 *
 * <p>Prefills are charged as passes of their own on top of the first round. The paper's first
 * verify pass fuses the prompt with the first drafts (q = I_max + l over an empty cache); the split
 * into a prompt pass and a round pass has about the same FLOPs and reads the weights once more, so
 * Fill stays an upper bound, as the planners take it. It also makes the verify prefill independent
 * of {@code l} and equal to the autoregressive prefill, so SD and AD are charged the same for the
 * same prompts.
 *
 * <p>Immutable and thread-safe.
 *
 * @param draft the draft model at the SBS
 * @param target the verify (target) model at the MBS
 * @param roofline FLOPs to seconds, the same efficiency on both nodes
 * @param fronthaul the SBS–MBS link
 */
public record PaperStageCosts(
        DeployedModel draft, DeployedModel target, Roofline roofline, Fronthaul fronthaul)
        implements StageCosts {

    /** LLaMA-68M in fp16, 136 MB. */
    public static final double LLAMA_68M_FP16_BYTES = 136e6;

    /** LLaMA-7B in fp16, 13.48 GB. */
    public static final double LLAMA_7B_FP16_BYTES = 13.48e9;

    public PaperStageCosts {
        Objects.requireNonNull(draft, "draft");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(roofline, "roofline");
        Objects.requireNonNull(fronthaul, "fronthaul");
    }

    /**
     * The reference set-up (docs/planner.md, "Worked examples"): LLaMA-68M on an RTX 3080 drafting
     * for LLaMA-7B on an RTX 4500 Ada, the {@link Fronthaul#REFERENCE} link, no launch cost.
     *
     * @param efficiency the roofline's η on both GPUs
     */
    public static PaperStageCosts reference(double efficiency) {
        return new PaperStageCosts(
                new DeployedModel(
                        TransformerShape.LLAMA_68M, LLAMA_68M_FP16_BYTES, Device.RTX_3080),
                new DeployedModel(
                        TransformerShape.LLAMA_7B, LLAMA_7B_FP16_BYTES, Device.RTX_4500_ADA),
                new Roofline(efficiency, 0),
                Fronthaul.REFERENCE);
    }

    @Override
    public double draftRound(BatchShape batch, int l) {
        requireLength(l);
        double flops = batch.size() * draft.shape().decodeFlops(batch.meanContext());
        return l * draft.seconds(flops, roofline);
    }

    @Override
    public double verifyRound(BatchShape batch, int l) {
        requireLength(l);
        int n = batch.size();
        double flops = n * target.shape().verifyFlops(l + 1, batch.meanContext());
        return target.seconds(flops, roofline)
                + fronthaul.draftSeconds(n, l)
                + fronthaul.returnSeconds(n);
    }

    @Override
    public double draftPrefill(BatchShape batch) {
        double flops = batch.size() * draft.shape().prefillFlops(batch.maxInputTokens());
        return draft.seconds(flops, roofline);
    }

    @Override
    public double verifyPrefill(BatchShape batch, int l) {
        requireLength(l);
        // the first round's drafts are charged by verifyRound; see the class comment
        return targetPrefill(batch);
    }

    @Override
    public double targetStep(BatchShape batch) {
        int n = batch.size();
        double flops = n * target.shape().decodeFlops(batch.meanContext());
        return target.seconds(flops, roofline) + fronthaul.returnSeconds(n);
    }

    @Override
    public double targetPrefill(BatchShape batch) {
        int n = batch.size();
        int prompt = batch.maxInputTokens();
        return target.seconds(n * target.shape().prefillFlops(prompt), roofline)
                + fronthaul.promptSeconds(n, prompt);
    }

    private static void requireLength(int l) {
        if (l < 0) {
            throw new IllegalArgumentException("speculation length must be >= 0, got " + l);
        }
    }
}
