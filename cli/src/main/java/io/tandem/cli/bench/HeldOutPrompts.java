package io.tandem.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts cut from held-out text (paragraphs separated by blank lines): the first {@code length}
 * characters of each paragraph long enough, so benchmarks continue real text the models never
 * trained on.
 */
public final class HeldOutPrompts {

    private HeldOutPrompts() {}

    public static List<String> read(Path file, int count, int length) throws IOException {
        List<String> prompts = new ArrayList<>();
        for (String paragraph : Files.readString(file).split("\\n\\s*\\n")) {
            String text = paragraph.strip().replaceAll("\\s+", " ");
            if (text.length() >= length) {
                prompts.add(text.substring(0, length));
                if (prompts.size() == count) {
                    break;
                }
            }
        }
        if (prompts.size() < count) {
            throw new IllegalArgumentException(
                    file
                            + " has only "
                            + prompts.size()
                            + " paragraphs of "
                            + length
                            + "+ characters; "
                            + count
                            + " wanted");
        }
        return prompts;
    }
}
