package io.tandem.planner.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class UplinkTest {

    private static final Uplink ONE_MHZ = new Uplink(1e6, -174);

    @Test
    void thermalNoiseDensityIsAbout4e21WattsPerHertz() {
        assertThat(ONE_MHZ.noiseWattsPerHz()).isCloseTo(3.981e-21, within(1e-24));
        assertThat(ONE_MHZ.noiseWatts()).isCloseTo(3.981e-15, within(1e-18));
    }

    @Test
    void snrAndSpectralEfficiencyFollowFromPowerGainAndNoise() {
        UserChannel user = withSnr(15);

        assertThat(ONE_MHZ.snrFullBand(user)).isCloseTo(15, within(1e-9));
        assertThat(ONE_MHZ.spectralEfficiency(user)).isCloseTo(4, within(1e-9));
    }

    @Test
    void demandIsTheFullBandUploadTime() {
        assertThat(ONE_MHZ.demandSeconds(1e4, withSnr(3))).isCloseTo(5e-3, within(1e-12));
    }

    @Test
    void aUserAtTheCellEdgeOfTheDefaultsHasAUsableSnr() {
        Uplink twentyMhz = new Uplink(20e6, -174);
        UserChannel edge = new UserChannel(0.2, PathLoss.MACRO.gain(0.2));

        // 23 dBm − 101.82 dB path loss − (−174 dBm/Hz + 73.01 dBHz) noise = 22.18 dB
        assertThat(10 * Math.log10(twentyMhz.snrFullBand(edge))).isCloseTo(22.18, within(0.01));
    }

    @Test
    void rejectsImpossibleChannels() {
        assertThatThrownBy(() -> new Uplink(0, -174)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new UserChannel(0.2, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ONE_MHZ.demandSeconds(-1, withSnr(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static UserChannel withSnr(double snr) {
        return new UserChannel(1, snr * ONE_MHZ.noiseWatts());
    }
}
