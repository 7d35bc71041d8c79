package io.tandem.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The configuration reference in the docs is the one {@code ./tandem config} prints. */
class ConfigReferenceTest {

    @Test
    void everyOptionIsDocumentedWithItsDefaultAndMeaning() throws Exception {
        String reference = Files.readString(findReference());
        assertThat(OptionDocs.all()).hasSizeGreaterThan(10);
        for (ConfigOption<?> option : OptionDocs.all()) {
            assertThat(reference)
                    .as("docs/configuration.md row for %s", option.key())
                    .contains(OptionDocs.markdownRow(option));
        }
    }

    private static Path findReference() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md"))
                    && Files.isDirectory(dir.resolve("job"))) {
                return dir.resolve("docs/configuration.md");
            }
        }
        throw new IllegalStateException("docs/configuration.md not found");
    }
}
