package io.tandem.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Finds the models shipped in the repository, from whichever module directory tests run in. */
public final class BundledModel {

    private BundledModel() {}

    /** The small model the fast tests serve with, {@code models/austen-tiny}. */
    public static Path tiny() {
        return find("models/austen-tiny");
    }

    /** The draft model of the bundled pair, {@code models/austen-draft}. */
    public static Path draft() {
        return find("models/austen-draft");
    }

    /** The target model of the bundled pair, {@code models/austen-target}. */
    public static Path target() {
        return find("models/austen-target");
    }

    /** The measured profile of the bundled pair, {@code models/austen-pair-profile.json}. */
    public static Path pairProfile() {
        return target().resolveSibling("austen-pair-profile.json");
    }

    /**
     * A GPU stage profile under {@code profiles/}, e.g. {@code h200-68m-7b} for the 68M draft
     * before the 7B target measured on an H200.
     */
    public static Path gpuProfile(String name) {
        return target().getParent().resolveSibling("profiles").resolve(name + ".json");
    }

    /** The held-out text the bundled models never saw, {@code models/data/austen-heldout.txt}. */
    public static Path heldOut() {
        return target().resolveSibling("data/austen-heldout.txt");
    }

    /**
     * Command-line job options that serve with the bundled pair and plan with its profile, wherever
     * the tests run from.
     */
    public static List<String> pairOptions() {
        return List.of(
                "--set",
                "tandem.model.dir=" + target(),
                "--set",
                "tandem.model.draft-dir=" + draft(),
                "--set",
                "tandem.planner.profile=" + pairProfile());
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
