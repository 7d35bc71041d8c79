package io.tandem.job.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TandemHomeTest {

    private String saved;

    @BeforeEach
    void saveHome() {
        saved = System.getProperty("tandem.home");
    }

    @AfterEach
    void restoreHome() {
        if (saved == null) {
            System.clearProperty("tandem.home");
        } else {
            System.setProperty("tandem.home", saved);
        }
    }

    @Test
    void findsARepositoryPathInTheCheckoutWhenItIsNotHere(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("traces"));
        Files.writeString(home.resolve("traces/only-in-home.csv"), "x");
        System.setProperty("tandem.home", home.toString());

        assertThat(TandemHome.resolve(Path.of("traces/only-in-home.csv")))
                .isEqualTo(home.resolve("traces/only-in-home.csv"));
        // what is in neither place stays as given, so errors name the path the user wrote
        assertThat(TandemHome.resolve(Path.of("traces/nowhere.csv")))
                .isEqualTo(Path.of("traces/nowhere.csv"));
        assertThat(TandemHome.resolve(home)).isEqualTo(home);
    }

    @Test
    void prefersWhatExistsFromTheCurrentDirectoryAndNeedsNoHome(@TempDir Path home) {
        System.setProperty("tandem.home", home.toString());
        // the job module's build file, from where its tests run
        assertThat(TandemHome.resolve(Path.of("pom.xml"))).isEqualTo(Path.of("pom.xml"));

        System.clearProperty("tandem.home");
        assertThat(TandemHome.resolve(Path.of("traces/x.csv"))).isEqualTo(Path.of("traces/x.csv"));
    }
}
