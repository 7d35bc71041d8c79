package io.tandem.job.planning;

import io.tandem.planner.network.BandwidthAllocation;
import io.tandem.planner.network.BandwidthAllocator;
import io.tandem.schemas.Uplink;
import io.tandem.schemas.internal.AdmittedRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Wireless mode: shares an uplink band among the requests of a window that say what channel they
 * came over ({@code uplink.snrDb}), so that every prompt's upload ends together and soonest (the
 * closed form for a rate linear in the share, model M1 in docs/planner.md). Prompts travel as
 * 32-bit token ids. Requests without a channel get no share. Pure.
 */
public final class UplinkShares {

    /** Bits per prompt token on the uplink. */
    static final int BITS_PER_TOKEN = 32;

    /** One request's share of the band and the upload time it implies. */
    public record Share(double fraction, double uploadMs) {}

    private UplinkShares() {}

    /**
     * The share of each request of {@code window} that carries an SNR, by request id.
     *
     * @param bandwidthHz the band shared, {@code > 0}
     */
    public static Map<String, Share> allocate(List<AdmittedRequest> window, double bandwidthHz) {
        if (!(bandwidthHz > 0)) {
            throw new IllegalArgumentException("bandwidthHz must be > 0, got " + bandwidthHz);
        }
        List<String> ids = new ArrayList<>();
        List<Double> demands = new ArrayList<>();
        for (AdmittedRequest admitted : window) {
            Uplink uplink = admitted.getRequest().getUplink();
            if (uplink == null
                    || uplink.getSnrDb() == null
                    || !Double.isFinite(uplink.getSnrDb())) {
                continue;
            }
            double snr = Math.pow(10, uplink.getSnrDb() / 10);
            double bitsPerSecondFullBand = bandwidthHz * Math.log1p(snr) / Math.log(2);
            ids.add(admitted.getRequest().getRequestId());
            demands.add(
                    admitted.getPromptTokenIds().size() * BITS_PER_TOKEN / bitsPerSecondFullBand);
        }
        Map<String, Share> shares = new HashMap<>();
        if (ids.isEmpty()) {
            return shares;
        }
        BandwidthAllocation allocation =
                BandwidthAllocator.proportional(
                        demands.stream().mapToDouble(Double::doubleValue).toArray());
        for (int k = 0; k < ids.size(); k++) {
            shares.put(
                    ids.get(k),
                    new Share(allocation.shares()[k], 1000 * allocation.uploadSeconds()[k]));
        }
        return shares;
    }
}
