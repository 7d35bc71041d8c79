package io.tandem.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the models shipped in the repository, from whichever module directory tests run in. */
public final class BundledModel {

    private BundledModel() {}

    /** The default serving model, {@code models/austen-tiny}. */
    public static Path tiny() {
        return find("models/austen-tiny");
    }

    private static Path find(String relative) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(relative);
            if (Files.isRegularFile(candidate.resolve("config.json"))) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                relative + " not found above " + Path.of("").toAbsolutePath());
    }
}
