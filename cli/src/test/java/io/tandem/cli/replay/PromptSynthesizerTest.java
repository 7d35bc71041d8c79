package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PromptSynthesizerTest {

    private static final String CORPUS = "It is a truth universally acknowledged. ".repeat(40);

    @Test
    void cutsAPromptOfTheRecordedLengthTheSameWayEveryTime() {
        PromptSynthesizer synthesizer = new PromptSynthesizer(CORPUS, 512);
        TraceRequest request = new TraceRequest(7, 0, 120, 30, null, 0, 1, null, null);

        PromptSynthesizer.Prompt prompt = synthesizer.prompt(request);

        assertThat(prompt.text().getBytes(StandardCharsets.UTF_8)).hasSize(120);
        assertThat(CORPUS).contains(prompt.text());
        assertThat(prompt.maxNewTokens()).isEqualTo(30);
        assertThat(synthesizer.prompt(request)).isEqualTo(prompt);
        assertThat(synthesizer.capping().requests()).isZero();
    }

    @Test
    void capsThePromptFirstThenTheOutputAndCountsWhatItCut() {
        PromptSynthesizer synthesizer = new PromptSynthesizer(CORPUS, 512);

        PromptSynthesizer.Prompt longPrompt =
                synthesizer.prompt(new TraceRequest(2, 0, 6955, 52, null, 0, 1, null, null));
        PromptSynthesizer.Prompt longOutput =
                synthesizer.prompt(new TraceRequest(3, 0, 100, 900, null, 0, 1, null, null));
        PromptSynthesizer.Prompt ownText =
                synthesizer.prompt(
                        new TraceRequest(4, 0, 0, 500, "Émma, handsome", 0, 1, null, null));

        assertThat(longPrompt.text()).hasSize(512 - 52);
        assertThat(longPrompt.maxNewTokens()).isEqualTo(52);
        assertThat(longOutput.text()).hasSize(1);
        assertThat(longOutput.maxNewTokens()).isEqualTo(511);
        assertThat(ownText.text()).isEqualTo("Émma, hands"); // 12 bytes: É takes two
        assertThat(ownText.maxNewTokens()).isEqualTo(500);
        assertThat(synthesizer.capping())
                .isEqualTo(new PromptSynthesizer.Capping(3, (6955 - 460) + 99 + 3, 900 - 511));
    }

    @Test
    void refusesACorpusItCannotCutTokensFrom() {
        assertThatThrownBy(() -> new PromptSynthesizer("naïve", 2)).hasMessageContaining("ASCII");
        assertThatThrownBy(() -> new PromptSynthesizer("short", 512))
                .hasMessageContaining("at least as long");
    }
}
