package io.tandem.planner.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TransformerShapeTest {

    private static final TransformerShape DRAFT = TransformerShape.LLAMA_68M;
    private static final TransformerShape TARGET = TransformerShape.LLAMA_7B;

    @Test
    void draftPrefillOf128TokensIsTheHandComputedValue() {
        assertThat(DRAFT.prefillFlops(128)).isEqualTo(3_724_541_952.0);
    }

    @Test
    void firstStepDraftOfFourTokensIsPrefillPlusThreeDecodes() {
        double total =
                DRAFT.prefillFlops(128)
                        + DRAFT.decodeFlops(128)
                        + DRAFT.decodeFlops(129)
                        + DRAFT.decodeFlops(130);

        assertThat(total).isEqualTo(3_811_872_768.0).isCloseTo(3.8119e9, within(0.0001e9));
    }

    @Test
    void draftDecodeAtKv200MatchesTheHandComputedValue() {
        assertThat(DRAFT.decodeFlops(200)).isEqualTo(29_546_496.0);
    }

    @Test
    void verifyPassesMatchTheHandComputedValues() {
        assertThat(TARGET.verifyFlops(132, 0)).isCloseTo(1.3379e12, within(0.0001e12));
        assertThat(TARGET.verifyFlops(5, 131.36)).isCloseTo(5.0689e10, within(0.0001e10));
    }

    @Test
    void prefillAndDecodeAreTheEdgeCasesOfAVerifyPass() {
        assertThat(TARGET.prefillFlops(77)).isEqualTo(TARGET.verifyFlops(77, 0));
        assertThat(TARGET.decodeFlops(640)).isEqualTo(TARGET.verifyFlops(1, 640));
    }

    @Test
    void ffnCoefficientScalesOnlyTheFfnTerm() {
        TransformerShape swiGlu = new TransformerShape("LLaMA-68M SwiGLU", 2, 768, 3072, 6);

        assertThat(swiGlu.decodeFlops(200) - DRAFT.decodeFlops(200))
                .isEqualTo(2.0 * 2 * 768 * 3072);
    }

    @Test
    void modelConstantsCarryTheirPublicConfigs() {
        assertThat(TransformerShape.TINYLLAMA_1_1B)
                .isEqualTo(new TransformerShape("TinyLlama-1.1B", 22, 2048, 5632, 4));
        assertThat(TransformerShape.LLAMA_13B)
                .isEqualTo(new TransformerShape("LLaMA-13B", 40, 5120, 13824, 4));
    }

    @Test
    void rejectsDegenerateShapesAndPasses() {
        assertThatThrownBy(() -> new TransformerShape("x", 0, 1, 1, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("x needs");
        assertThatThrownBy(() -> DRAFT.verifyFlops(0, 10))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DRAFT.decodeFlops(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
