package io.tandem.planner.sim;

import io.tandem.planner.cost.Fronthaul;
import io.tandem.planner.cost.Roofline;
import io.tandem.planner.cost.StageCosts;
import io.tandem.planner.network.Downlink;
import io.tandem.planner.network.Uplink;

/**
 * The simulated set-up: users, their uplink, the model pair and the nodes. {@link #paper()} gives
 * stand-ins for the paper's unpublished parameters (listed in docs/planner.md). Immutable; the
 * {@code with*} methods return changed copies for sweeps.
 *
 * @param users requests in the window, one per user
 * @param cellRadiusMeters users are uniform on a disk of this radius around the small node
 * @param minDistanceMeters no user is closer (the path-loss model is for distances past this)
 * @param uplink total uplink bandwidth and noise density
 * @param transmitWatts every user's transmit power
 * @param bitsPerToken uplink bits per prompt token
 * @param minInputTokens prompt lengths are uniform in [min, max]
 * @param maxInputTokens see {@code minInputTokens}
 * @param outputTokens tokens generated per request (the fixed output length)
 * @param pair draft and target models on their devices
 * @param alpha acceptance rate of the pair
 * @param roofline device efficiency and launch overhead
 * @param fronthaul the wired link between the nodes
 * @param maxSpeculation speculation lengths 1..this are allowed
 * @param downlink how results travel back to the users
 * @param measuredCosts stage times measured on real models, used instead of the pair's FLOPs on its
 *     devices; null for the paper's model
 */
public record Scenario(
        int users,
        double cellRadiusMeters,
        double minDistanceMeters,
        Uplink uplink,
        double transmitWatts,
        double bitsPerToken,
        int minInputTokens,
        int maxInputTokens,
        int outputTokens,
        ModelPair pair,
        double alpha,
        Roofline roofline,
        Fronthaul fronthaul,
        int maxSpeculation,
        Downlink downlink,
        StageCosts measuredCosts) {

    public Scenario {
        if (users < 1) {
            throw new IllegalArgumentException("users must be >= 1, got " + users);
        }
        if (minInputTokens < 1 || maxInputTokens < minInputTokens) {
            throw new IllegalArgumentException(
                    "need 1 <= minInputTokens <= maxInputTokens, got "
                            + minInputTokens
                            + ", "
                            + maxInputTokens);
        }
        if (!(minDistanceMeters > 0 && cellRadiusMeters > minDistanceMeters)) {
            throw new IllegalArgumentException(
                    "need 0 < minDistanceMeters < cellRadiusMeters, got "
                            + minDistanceMeters
                            + ", "
                            + cellRadiusMeters);
        }
    }

    /**
     * The stand-in defaults: 100 users on a 200 m cell, 20 MHz at −174 dBm/Hz, 0.2 W, 32 bits per
     * token, prompts of 32–512 tokens, 256 output tokens, LLaMA-68M → LLaMA-7B at α = 0.7, devices
     * at half their peak FLOP rate, a 10 Gb/s fronthaul, l up to 8.
     */
    public static Scenario paper() {
        ModelPair pair = ModelPair.LLAMA_68M_7B;
        return new Scenario(
                100,
                200,
                10,
                new Uplink(20e6, -174),
                0.2,
                32,
                32,
                512,
                256,
                pair,
                pair.alpha(),
                new Roofline(0.5, 0),
                Fronthaul.REFERENCE,
                8,
                new Downlink(10e6),
                null);
    }

    public Scenario withUsers(int users) {
        Copy copy = new Copy(this);
        copy.users = users;
        return copy.build();
    }

    public Scenario withBandwidth(double hertz) {
        Copy copy = new Copy(this);
        copy.uplink = new Uplink(hertz, uplink.noiseDbmPerHz());
        return copy.build();
    }

    public Scenario withAlpha(double alpha) {
        Copy copy = new Copy(this);
        copy.alpha = alpha;
        return copy.build();
    }

    /** The pair, with its placeholder α. */
    public Scenario withPair(ModelPair pair) {
        Copy copy = new Copy(this);
        copy.pair = pair;
        copy.alpha = pair.alpha();
        return copy.build();
    }

    public Scenario withEfficiency(double efficiency) {
        Copy copy = new Copy(this);
        copy.roofline = new Roofline(efficiency, roofline.launchSeconds());
        return copy.build();
    }

    /**
     * Stages measured on real models instead of the pair's FLOPs (the pair then only names the
     * models' placeholder α; set α with {@link #withAlpha}).
     */
    public Scenario withCosts(StageCosts costs) {
        Copy copy = new Copy(this);
        copy.measuredCosts = costs;
        return copy.build();
    }

    public Scenario withPrompts(int minInputTokens, int maxInputTokens, int outputTokens) {
        Copy copy = new Copy(this);
        copy.minInputTokens = minInputTokens;
        copy.maxInputTokens = maxInputTokens;
        copy.outputTokens = outputTokens;
        return copy.build();
    }

    /** Stage times: measured ones if set, else the pair's FLOPs on its devices (roofline). */
    public StageCosts costs() {
        return measuredCosts != null ? measuredCosts : ModelPair.costs(pair, this);
    }

    /** Seconds to send one request's output tokens back to its user. */
    public double downlinkSeconds() {
        return downlink.seconds(bitsPerToken * outputTokens);
    }

    /** A changeable copy, so each {@code with*} method names only what it changes. */
    private static final class Copy {
        private int users;
        private final double cellRadiusMeters;
        private final double minDistanceMeters;
        private Uplink uplink;
        private final double transmitWatts;
        private final double bitsPerToken;
        private int minInputTokens;
        private int maxInputTokens;
        private int outputTokens;
        private ModelPair pair;
        private double alpha;
        private Roofline roofline;
        private final Fronthaul fronthaul;
        private final int maxSpeculation;
        private final Downlink downlink;
        private StageCosts measuredCosts;

        Copy(Scenario s) {
            users = s.users;
            cellRadiusMeters = s.cellRadiusMeters;
            minDistanceMeters = s.minDistanceMeters;
            uplink = s.uplink;
            transmitWatts = s.transmitWatts;
            bitsPerToken = s.bitsPerToken;
            minInputTokens = s.minInputTokens;
            maxInputTokens = s.maxInputTokens;
            outputTokens = s.outputTokens;
            pair = s.pair;
            alpha = s.alpha;
            roofline = s.roofline;
            fronthaul = s.fronthaul;
            maxSpeculation = s.maxSpeculation;
            downlink = s.downlink;
            measuredCosts = s.measuredCosts;
        }

        Scenario build() {
            return new Scenario(
                    users,
                    cellRadiusMeters,
                    minDistanceMeters,
                    uplink,
                    transmitWatts,
                    bitsPerToken,
                    minInputTokens,
                    maxInputTokens,
                    outputTokens,
                    pair,
                    alpha,
                    roofline,
                    fronthaul,
                    maxSpeculation,
                    downlink,
                    measuredCosts);
        }
    }
}
