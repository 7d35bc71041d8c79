package io.tandem.planner.network;

/**
 * One user's side of the uplink.
 *
 * @param transmitWatts transmit power p, {@code > 0}
 * @param gain linear channel power gain g to the SBS, {@code > 0} (e.g. {@link PathLoss#gain})
 */
public record UserChannel(double transmitWatts, double gain) {

    public UserChannel {
        if (!(transmitWatts > 0) || !(gain > 0)) {
            throw new IllegalArgumentException(
                    "a user channel needs positive power and gain, got "
                            + transmitWatts
                            + " W, "
                            + gain);
        }
    }
}
