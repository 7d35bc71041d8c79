package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bundled model {@code models/austen-tiny}, loaded offline. */
class AustenTinyITCase {

    private static CausalLm model;
    private static List<String> heldOut;

    @BeforeAll
    static void load() throws Exception {
        Path models = modelsDirectory();
        model = CausalLm.load(models.resolve("austen-tiny"));
        heldOut =
                Arrays.stream(
                                Files.readString(models.resolve("data/austen-heldout.txt"))
                                        .split("\n\n"))
                        .filter(paragraph -> paragraph.length() > 40)
                        .toList();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void loadsOfflineAndDescribesItself() {
        assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");
        assertThat(model.info())
                .isEqualTo(new ModelInfo("austen-tiny", "gpt2", 462_464, 2, 128, 4, 257, 256, 256));
    }

    @Test
    void continuesGreedilyWithEnglishWordsAndDeterministically() throws Exception {
        GenerationRequest request = greedy("truth", "It is a truth universally acknowledged", 60);

        Generation first = model.generate(List.of(request)).get(0);
        String text = model.tokenizer().decode(first.tokens());

        assertThat(model.generate(List.of(request)).get(0)).isEqualTo(first);
        assertThat(first.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(text.split(" ")).hasSizeGreaterThan(8).contains("the", "to", "her");
        assertThat(text.chars().filter(c -> Character.isLetter(c) || c == ' ').count())
                .isGreaterThan(text.length() * 9L / 10);
    }

    @Test
    void endsParagraphsWithTheEndOfSequenceToken() throws Exception {
        List<Generation> generations =
                model.generate(
                        List.of(greedy("chapter", "CHAPTER", 100), greedy("short", "Anne", 5)));

        assertThat(generations)
                .extracting(Generation::finishReason)
                .containsExactly(FinishReason.EOS, FinishReason.LENGTH);
        assertThat(generations.get(0).tokens())
                .isNotEmpty()
                .hasSizeLessThan(100)
                .doesNotContain(256);
        assertThat(generations.get(1).tokens()).hasSize(5);
    }

    @Test
    void outputsOnHeldOutPromptsDoNotDependOnTheBatch() throws Exception {
        List<GenerationRequest> batch = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String paragraph = heldOut.get(i * 5);
            int[] prompt =
                    model.tokenizer()
                            .encode(
                                    paragraph.substring(
                                            0, Math.min(paragraph.length(), 20 + 23 * i)));
            SamplingConfig sampling =
                    i % 2 == 0 ? SamplingConfig.greedy() : new SamplingConfig(0.9, 0.95, i);
            batch.add(new GenerationRequest("p" + i, prompt, 40, sampling));
        }

        List<Generation> together = model.generate(batch);

        for (int i = 0; i < batch.size(); i++) {
            assertThat(model.generate(List.of(batch.get(i))).get(0))
                    .as("request p%d", i)
                    .isEqualTo(together.get(i));
        }
    }

    @Test
    void rejectsRequestsBeyondTheTrainedContext() {
        int[] prompt = model.tokenizer().encode("x".repeat(250));

        assertThatThrownBy(
                        () ->
                                model.generate(
                                        List.of(
                                                new GenerationRequest(
                                                        "long",
                                                        prompt,
                                                        7,
                                                        SamplingConfig.greedy()))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exceeds the context length of 256");
    }

    private static GenerationRequest greedy(String id, String prompt, int maxNewTokens) {
        return new GenerationRequest(
                id, model.tokenizer().encode(prompt), maxNewTokens, SamplingConfig.greedy());
    }

    /** The repository's {@code models} directory, found from the module's working directory. */
    private static Path modelsDirectory() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models/austen-tiny"))) {
                return dir.resolve("models");
            }
        }
        throw new IOException("models/austen-tiny not found above " + Path.of("").toAbsolutePath());
    }
}
