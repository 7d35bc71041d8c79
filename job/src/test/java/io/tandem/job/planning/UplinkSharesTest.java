package io.tandem.job.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Uplink;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.testkit.Requests;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class UplinkSharesTest {

    private static final double BAND_HZ = 10_000;

    @Test
    void everyUploadEndsTogetherAtTheSumOfTheFullBandTimes() {
        AdmittedRequest near = admitted("near", 100, 30.0);
        AdmittedRequest far = admitted("far", 100, 0.0);
        AdmittedRequest longPrompt = admitted("long", 400, 30.0);

        Map<String, UplinkShares.Share> shares =
                UplinkShares.allocate(List.of(near, far, longPrompt), BAND_HZ);

        double fullBandNear = fullBandMs(100, 30.0);
        double fullBandFar = fullBandMs(100, 0.0);
        double fullBandLong = fullBandMs(400, 30.0);
        double together = fullBandNear + fullBandFar + fullBandLong;
        assertThat(shares).containsOnlyKeys("near", "far", "long");
        assertThat(shares.values())
                .allSatisfy(s -> assertThat(s.uploadMs()).isCloseTo(together, within(1e-9)));
        assertThat(shares.values().stream().mapToDouble(UplinkShares.Share::fraction).sum())
                .isCloseTo(1, within(1e-12));
        // the worse channel and the longer prompt need more of the band
        assertThat(shares.get("far").fraction()).isGreaterThan(shares.get("near").fraction());
        assertThat(shares.get("long").fraction())
                .isCloseTo(4 * shares.get("near").fraction(), within(1e-12));
    }

    @Test
    void requestsWithoutAChannelGetNoShare() {
        AdmittedRequest wired = admitted("wired", 50, null);
        AdmittedRequest broken = admitted("nan", 50, Double.NaN);

        assertThat(UplinkShares.allocate(List.of(wired, broken), BAND_HZ)).isEmpty();
        assertThat(
                        UplinkShares.allocate(List.of(wired, admitted("radio", 50, 10.0)), BAND_HZ)
                                .get("radio")
                                .fraction())
                .isEqualTo(1.0);
    }

    private static double fullBandMs(int tokens, double snrDb) {
        double bitsPerSecond = BAND_HZ * Math.log1p(Math.pow(10, snrDb / 10)) / Math.log(2);
        return 1000 * tokens * UplinkShares.BITS_PER_TOKEN / bitsPerSecond;
    }

    private static AdmittedRequest admitted(String id, int tokens, Double snrDb) {
        InferenceRequest request = Requests.greedy(id, "x".repeat(tokens), 8);
        if (snrDb != null) {
            request.setUplink(Uplink.newBuilder().setSnrDb(snrDb).build());
        }
        return AdmittedRequest.newBuilder()
                .setRequest(request)
                .setPromptTokenIds(IntStream.range(0, tokens).boxed().toList())
                .setArrivalTime(Instant.EPOCH)
                .build();
    }
}
