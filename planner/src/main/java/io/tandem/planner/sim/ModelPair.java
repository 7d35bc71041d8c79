package io.tandem.planner.sim;

import io.tandem.planner.cost.DeployedModel;
import io.tandem.planner.cost.Device;
import io.tandem.planner.cost.PaperStageCosts;
import io.tandem.planner.cost.TransformerShape;

/**
 * The draft/verify pairs of the paper's experiments, in FP16, the draft on the small node's RTX
 * 3080 and the target on the big node's RTX 4500 Ada. The acceptance rates are placeholders: the
 * paper does not publish its own.
 */
public enum ModelPair {
    LLAMA_68M_7B(
            "68m-7b", TransformerShape.LLAMA_68M, 136e6, TransformerShape.LLAMA_7B, 13.48e9, 0.7),
    TINYLLAMA_7B(
            "1.1b-7b",
            TransformerShape.TINYLLAMA_1_1B,
            2.2e9,
            TransformerShape.LLAMA_7B,
            13.48e9,
            0.8),
    TINYLLAMA_13B(
            "1.1b-13b",
            TransformerShape.TINYLLAMA_1_1B,
            2.2e9,
            TransformerShape.LLAMA_13B,
            26.03e9,
            0.8);

    private final String label;
    private final TransformerShape draft;
    private final double draftBytes;
    private final TransformerShape target;
    private final double targetBytes;
    private final double alpha;

    ModelPair(
            String label,
            TransformerShape draft,
            double draftBytes,
            TransformerShape target,
            double targetBytes,
            double alpha) {
        this.label = label;
        this.draft = draft;
        this.draftBytes = draftBytes;
        this.target = target;
        this.targetBytes = targetBytes;
        this.alpha = alpha;
    }

    /** The name on the command line, e.g. {@code 68m-7b}. */
    public String label() {
        return label;
    }

    /** The placeholder acceptance rate of the pair. */
    public double alpha() {
        return alpha;
    }

    public DeployedModel draft() {
        return new DeployedModel(draft, draftBytes, Device.RTX_3080);
    }

    public DeployedModel target() {
        return new DeployedModel(target, targetBytes, Device.RTX_4500_ADA);
    }

    public static ModelPair of(String label) {
        for (ModelPair pair : values()) {
            if (pair.label.equals(label)) {
                return pair;
            }
        }
        throw new IllegalArgumentException(
                "unknown model pair " + label + "; use 68m-7b, 1.1b-7b or 1.1b-13b");
    }

    @Override
    public String toString() {
        return label;
    }

    static PaperStageCosts costs(ModelPair pair, Scenario scenario) {
        return new PaperStageCosts(
                pair.draft(), pair.target(), scenario.roofline(), scenario.fronthaul());
    }
}
