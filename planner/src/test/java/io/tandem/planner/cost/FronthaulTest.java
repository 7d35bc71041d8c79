package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class FronthaulTest {

    private static final Fronthaul LINK = Fronthaul.REFERENCE;

    @Test
    void draftTokenCarriesItsIdAndAFp16Distribution() {
        assertThat(LINK.bitsPerDraftToken()).isEqualTo(512_032);
    }

    @Test
    void tenSequencesOfFourDraftsTakeAboutTwoMilliseconds() {
        assertThat(LINK.draftSeconds(10, 4)).isCloseTo(2.048128e-3, within(1e-15));
    }

    @Test
    void promptsAndResultsTravelAsFewBits() {
        assertThat(LINK.promptSeconds(10, 512)).isCloseTo(10 * 512 * 32 / 10e9, within(1e-20));
        assertThat(LINK.returnSeconds(10)).isCloseTo(640 / 10e9, within(1e-20));
    }

    @Test
    void rejectsAZeroRate() {
        assertThatThrownBy(() -> new Fronthaul(0, 32, 16, 32000, 64))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rate 0.0");
    }
}
