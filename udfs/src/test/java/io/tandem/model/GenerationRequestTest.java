package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GenerationRequestTest {

    @Test
    void fitsWhenThePromptAndEveryNewTokenFitTheContext() {
        GenerationRequest request =
                new GenerationRequest("r", new int[] {1, 2, 3}, 5, SamplingConfig.greedy());

        assertThat(request.fits(8)).isTrue();
        assertThat(request.fits(7)).isFalse();
    }
}
