package io.tandem.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository stands alone: no documentation or source file refers to material a user of the
 * repository does not have (design notes, recipes or profiles kept outside it), and every relative
 * link in the Markdown files points to a file or directory that exists in the repository. Public
 * sources are cited by URL or arXiv id instead, and our own explanations live in {@code docs/}.
 *
 * <p>Files are the ones git tracks (plus untracked ones it does not ignore), or, without git, every
 * file under the root except {@code .git} and build output.
 */
class RepositoryStandsAloneTest {

    /**
     * Phrases that name material kept outside the repository: design notes and their sections,
     * build recipes, machine profiles and latency measurements that users do not have.
     */
    private static final List<Pattern> OUTSIDE =
            List.of(
                    Pattern.compile(Pattern.quote("../shared")),
                    Pattern.compile(Pattern.quote("shared/design")),
                    Pattern.compile(Pattern.quote("shared/profiles")),
                    Pattern.compile("(?i)the ?notes"),
                    Pattern.compile("(?i)\\bnotes'? ?\\(?§"),
                    Pattern.compile(Pattern.quote("paper-notes")),
                    Pattern.compile(Pattern.quote("build-recipes")),
                    Pattern.compile(Pattern.quote("loop-latency")));

    /** {@code [text](target)} and {@code ![alt](target "title")}; the target has no spaces. */
    private static final Pattern MARKDOWN_LINK =
            Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");

    private static final Set<String> TEXT_EXTENSIONS =
            Set.of("md", "java", "py", "sh", "yaml", "yml", "json", "properties", "avsc");

    private static final Set<String> TEXT_NAMES =
            Set.of(
                    "pom.xml",
                    "tandem",
                    "run",
                    "tandem-node",
                    "Dockerfile",
                    "Dockerfile.gpu",
                    ".dockerignore");

    private static final String SELF =
            "job/src/test/java/io/tandem/job/RepositoryStandsAloneTest.java";

    @Test
    void noFileRefersToMaterialOutsideTheRepository() throws IOException {
        Path root = repositoryRoot();

        assertThat(outsideReferences(root, files(root)))
                .as("references to material outside the repository (file:line: text)")
                .isEmpty();
    }

    @Test
    void everyRelativeMarkdownLinkPointsIntoTheRepository() throws IOException {
        Path root = repositoryRoot();

        assertThat(brokenLinks(root, files(root)))
                .as("relative Markdown links to nothing in the repository (file:line: target)")
                .isEmpty();
    }

    /** {@code file:line: text} for every line of a text file that names outside material. */
    static List<String> outsideReferences(Path root, List<String> files) throws IOException {
        List<String> hits = new ArrayList<>();
        for (String file : files) {
            if (file.equals(SELF) || !isText(file)) {
                continue;
            }
            List<String> lines = readLines(root.resolve(file));
            for (int i = 0; i < lines.size(); i++) {
                for (Pattern pattern : OUTSIDE) {
                    if (pattern.matcher(lines.get(i)).find()) {
                        hits.add(file + ":" + (i + 1) + ": " + lines.get(i).strip());
                        break;
                    }
                }
            }
        }
        return hits;
    }

    /**
     * {@code file:line: target} for every relative link in a Markdown file, outside code blocks,
     * whose target is neither a file nor a directory of the repository. Web links and in-page
     * anchors are not checked.
     */
    static List<String> brokenLinks(Path root, List<String> files) throws IOException {
        Set<String> known = new TreeSet<>();
        for (String file : files) {
            known.add(file);
            for (Path dir = Path.of(file).getParent(); dir != null; dir = dir.getParent()) {
                known.add(slashes(dir));
            }
        }
        List<String> broken = new ArrayList<>();
        for (String file : files) {
            if (!file.endsWith(".md")) {
                continue;
            }
            List<String> lines = readLines(root.resolve(file));
            boolean inCode = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.strip().startsWith("```")) {
                    inCode = !inCode;
                    continue;
                }
                if (inCode) {
                    continue;
                }
                Matcher link = MARKDOWN_LINK.matcher(line);
                while (link.find()) {
                    String target = link.group(1);
                    if (!resolves(file, target, known)) {
                        broken.add(file + ":" + (i + 1) + ": " + target);
                    }
                }
            }
        }
        return broken;
    }

    private static boolean resolves(String file, String target, Set<String> known) {
        String lower = target.toLowerCase(Locale.ROOT);
        if (lower.startsWith("http://")
                || lower.startsWith("https://")
                || lower.startsWith("mailto:")
                || target.startsWith("#")) {
            return true;
        }
        String path = target.replaceAll("[#?].*$", "");
        if (path.isEmpty() || path.startsWith("/")) {
            return false;
        }
        Path base = Path.of(file).getParent();
        Path resolved = (base == null ? Path.of(path) : base.resolve(path)).normalize();
        String name = slashes(resolved);
        return !name.startsWith("..") && known.contains(name.isEmpty() ? "." : name);
    }

    /** The repository's files, relative to {@code root}, with forward slashes. */
    static List<String> files(Path root) throws IOException {
        List<String> tracked = gitFiles(root);
        if (tracked != null) {
            return tracked.stream().filter(f -> Files.isRegularFile(root.resolve(f))).toList();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> slashes(root.relativize(p)))
                    .filter(f -> !f.startsWith(".git/") && !isBuildOutput(f))
                    .sorted()
                    .toList();
        }
    }

    /** Tracked and untracked-but-not-ignored files, or null if git cannot list them. */
    private static List<String> gitFiles(Path root) {
        try {
            Process git =
                    new ProcessBuilder(
                                    "git",
                                    "ls-files",
                                    "-z",
                                    "--cached",
                                    "--others",
                                    "--exclude-standard")
                            .directory(root.toFile())
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
            String out;
            try (InputStream in = git.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!git.waitFor(60, TimeUnit.SECONDS) || git.exitValue() != 0) {
                return null;
            }
            List<String> files = new ArrayList<>();
            for (String name : out.split("\0")) {
                if (!name.isEmpty()) {
                    files.add(name);
                }
            }
            return files.isEmpty() ? null : new ArrayList<>(new TreeSet<>(files));
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean isBuildOutput(String file) {
        return file.startsWith("target/") || file.contains("/target/");
    }

    private static boolean isText(String file) {
        String name = file.substring(file.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return TEXT_NAMES.contains(name)
                || (dot > 0 && TEXT_EXTENSIONS.contains(name.substring(dot + 1)));
    }

    /** The file's lines; bytes that are not UTF-8 are replaced rather than failing the read. */
    private static List<String> readLines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPLACE)
                        .onUnmappableCharacter(CodingErrorAction.REPLACE)
                        .decode(java.nio.ByteBuffer.wrap(bytes))
                        .toString();
        return text.lines().toList();
    }

    private static String slashes(Path path) {
        return path.toString().replace('\\', '/');
    }

    /** The directory above the working directory that holds {@code .ci/run}. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(".ci").resolve("run"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "no directory above " + Path.of("").toAbsolutePath() + " holds .ci/run");
    }
}
