package io.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AustenCorpusTest {

    @TempDir Path dir;

    @Test
    void readsEveryNovelAndJoinsWrappedLinesIntoParagraphs() throws IOException {
        Path rdb =
                RdataFixture.write(
                        dir.resolve("Rdata.rdb"),
                        List.of(
                                Arrays.asList(
                                        "EMMA",
                                        "",
                                        "VOLUME I",
                                        "",
                                        "",
                                        "Emma Woodhouse, handsome, clever,",
                                        "and rich,  with a comfortable home",
                                        null,
                                        "   \"Indented speech.\"  "),
                                List.of(
                                        "Persuasion",
                                        "",
                                        "Sir Walter Elliot, of Kellynch Hall,",
                                        "in Somersetshire.")));

        AustenCorpus corpus = AustenCorpus.read(rdb);

        assertThat(corpus.novels())
                .extracting(AustenCorpus.Novel::title)
                .containsExactly("Emma", "Persuasion");
        assertThat(corpus.novels().get(0).paragraphs())
                .containsExactly(
                        "EMMA",
                        "VOLUME I",
                        "Emma Woodhouse, handsome, clever, and rich, with a comfortable home",
                        "\"Indented speech.\"");
        assertThat(corpus.novels().get(1).paragraphs())
                .containsExactly(
                        "Persuasion", "Sir Walter Elliot, of Kellynch Hall, in Somersetshire.");
    }

    @Test
    void decodesUtf8AndLatin1Strings() throws IOException {
        Path rdb =
                RdataFixture.write(
                        dir.resolve("Rdata.rdb"),
                        List.of(List.of("Persuasion", "", "£5 a year", "latin1:naïve")));

        assertThat(AustenCorpus.read(rdb).novels().get(0).paragraphs())
                .containsExactly("Persuasion", "£5 a year naïve");
    }

    @Test
    void holdsOutTheEndOfPersuasion() throws IOException {
        List<String> persuasion = new java.util.ArrayList<>(List.of("PERSUASION"));
        for (int i = 1; i < 20; i++) {
            persuasion.add("");
            persuasion.add("Paragraph " + i + ".");
        }
        Path rdb =
                RdataFixture.write(
                        dir.resolve("Rdata.rdb"),
                        List.of(List.of("EMMA", "", "Emma."), persuasion));

        AustenCorpus.Split split = AustenCorpus.read(rdb).split(0.1);

        assertThat(split.heldOut()).containsExactly("Paragraph 18.", "Paragraph 19.");
        assertThat(split.training())
                .hasSize(2 + 18)
                .startsWith("EMMA", "Emma.", "PERSUASION")
                .endsWith("Paragraph 17.");
    }

    @Test
    void rejectsFilesThatAreNotRDatabases() throws IOException {
        Path file = dir.resolve("Rdata.rdb");
        Files.write(file, new byte[] {0, 0, 0, 4, 1, 2, 3, 4, 5});

        assertThatThrownBy(() -> AustenCorpus.read(file))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("is not zlib data");
    }
}
