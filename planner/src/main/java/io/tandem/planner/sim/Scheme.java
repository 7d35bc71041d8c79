package io.tandem.planner.sim;

/**
 * The serving schemes the paper compares. Every scheme but the first two optimises bandwidth (batch
 * by batch, {@link io.tandem.planner.network.BandwidthAllocator#batchSequential}) and whatever else
 * it does not fix.
 */
public enum Scheme {
    JOINT("joint", "joint optimizer: DP batching + speculation length + bandwidth"),
    AUTOREGRESSIVE("ad", "AD serving: the target alone, batching and bandwidth optimised"),
    UNIFORM_BANDWIDTH("uniform-bw", "uniform bandwidth: b_k = 1/K, batching and l optimised"),
    MAX_BATCHING("max-batching", "max batching: one batch of all requests, l optimised"),
    FIXED_L3("fixed-l3", "fixed speculation length l = 3"),
    FIXED_L5("fixed-l5", "fixed speculation length l = 5"),
    NO_PIPELINING("no-pipelining", "no pipelining: draft and verify never overlap");

    private final String label;
    private final String description;

    Scheme(String label, String description) {
        this.label = label;
        this.description = description;
    }

    public String label() {
        return label;
    }

    public String description() {
        return description;
    }
}
