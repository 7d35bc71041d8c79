package io.tandem.job.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Tandem checkout the CLI runs from ({@code -Dtandem.home}, set by {@code ./tandem}), where the
 * bundled models, their profile, the corpus and the sample traces live.
 */
public final class TandemHome {

    private TandemHome() {}

    /**
     * {@code path} as given if it is absolute or exists from the current directory, else the same
     * path in the Tandem checkout if it exists there, else as given: commands run from anywhere
     * find the bundled files by their repository paths.
     */
    public static Path resolve(Path path) {
        String home = System.getProperty("tandem.home");
        if (path.isAbsolute() || Files.exists(path) || home == null) {
            return path;
        }
        Path inHome = Path.of(home).resolve(path);
        return Files.exists(inHome) ? inHome : path;
    }
}
