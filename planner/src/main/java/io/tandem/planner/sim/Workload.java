package io.tandem.planner.sim;

import io.tandem.planner.network.PathLoss;
import io.tandem.planner.network.UserChannel;
import java.util.SplittableRandom;

/**
 * One draw of the users of a scenario: each one's prompt length and the seconds its prompt would
 * take to upload with the whole band (its bandwidth-time demand).
 *
 * @param inputTokens prompt length per user
 * @param demandSeconds upload seconds per user at the full band
 * @param seed the seed it was drawn with; acceptance draws derive from it too
 */
public record Workload(int[] inputTokens, double[] demandSeconds, long seed) {

    public Workload {
        inputTokens = inputTokens.clone();
        demandSeconds = demandSeconds.clone();
    }

    /** Users uniform over the cell's area (outside the minimum distance), prompts uniform. */
    public static Workload draw(Scenario scenario, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int users = scenario.users();
        int[] inputs = new int[users];
        double[] demand = new double[users];
        double rMin = scenario.minDistanceMeters();
        double rMax = scenario.cellRadiusMeters();
        for (int k = 0; k < users; k++) {
            // uniform over the annulus's area: the radius's square is uniform
            double meters =
                    Math.sqrt(rMin * rMin + random.nextDouble() * (rMax * rMax - rMin * rMin));
            UserChannel channel =
                    new UserChannel(scenario.transmitWatts(), PathLoss.MACRO.gain(meters / 1000));
            inputs[k] =
                    scenario.minInputTokens()
                            + random.nextInt(
                                    scenario.maxInputTokens() - scenario.minInputTokens() + 1);
            demand[k] =
                    scenario.uplink().demandSeconds(scenario.bitsPerToken() * inputs[k], channel);
        }
        return new Workload(inputs, demand, seed);
    }

    public int users() {
        return inputTokens.length;
    }

    @Override
    public int[] inputTokens() {
        return inputTokens.clone();
    }

    @Override
    public double[] demandSeconds() {
        return demandSeconds.clone();
    }
}
