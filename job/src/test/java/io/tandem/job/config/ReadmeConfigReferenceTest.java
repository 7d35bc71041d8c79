package io.tandem.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.Test;

/** The README's configuration reference is the one {@code ./tandem config} prints. */
class ReadmeConfigReferenceTest {

    @Test
    void everyOptionIsDocumentedWithItsDefaultAndMeaning() throws Exception {
        String readme = Files.readString(findReadme());
        assertThat(OptionDocs.all()).hasSizeGreaterThan(10);
        for (ConfigOption<?> option : OptionDocs.all()) {
            assertThat(readme)
                    .as("README row for %s", option.key())
                    .contains(OptionDocs.markdownRow(option));
        }
    }

    private static Path findReadme() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("README.md"))
                    && Files.isDirectory(dir.resolve("job"))) {
                return dir.resolve("README.md");
            }
        }
        throw new IllegalStateException("README.md not found");
    }
}
