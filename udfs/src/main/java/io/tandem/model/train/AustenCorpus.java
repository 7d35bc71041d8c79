package io.tandem.model.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Jane Austen's six novels (public domain), read from the data file of Debian's {@code
 * r-cran-janeaustenr} package ({@code .../janeaustenr/data/Rdata.rdb}, MIT licensed) without R.
 *
 * <p>The file is a sequence of entries {@code [u32 big-endian uncompressed length][zlib stream]},
 * one per novel, each an R XDR serialization of a character vector holding the novel's lines. Lines
 * are joined into paragraphs: blank lines separate paragraphs, the fixed-width line wrapping and
 * runs of spaces collapse to single spaces. Immutable once read.
 */
public final class AustenCorpus {

    /** The novel the held-out text is cut from. */
    public static final String HELD_OUT_NOVEL = "Persuasion";

    /** One novel: its title (first line of the text, as printed) and its paragraphs. */
    public record Novel(String title, List<String> paragraphs) {
        public Novel {
            paragraphs = List.copyOf(paragraphs);
        }
    }

    /** Training and held-out paragraphs; see {@link #split}. */
    public record Split(List<String> training, List<String> heldOut) {
        public Split {
            training = List.copyOf(training);
            heldOut = List.copyOf(heldOut);
        }
    }

    private static final int R_STRSXP = 16;
    private static final int R_CHARSXP = 9;
    private static final int R_LATIN1 = 1 << 2;
    private static final int R_NA_LENGTH = -1;

    private final Path source;
    private final String sha256;
    private final List<Novel> novels;

    private AustenCorpus(Path source, String sha256, List<Novel> novels) {
        this.source = source;
        this.sha256 = sha256;
        this.novels = List.copyOf(novels);
    }

    /** Reads the novels from {@code rdataRdb}. */
    public static AustenCorpus read(Path rdataRdb) throws IOException {
        byte[] file = Files.readAllBytes(rdataRdb);
        List<Novel> novels = new ArrayList<>();
        int offset = 0;
        while (offset < file.length) {
            if (file.length - offset < 4) {
                throw new IOException(rdataRdb + ": truncated entry at byte " + offset);
            }
            int length = ByteBuffer.wrap(file, offset, 4).getInt();
            Inflater inflater = new Inflater();
            try {
                inflater.setInput(file, offset + 4, file.length - offset - 4);
                byte[] entry = new byte[length];
                int inflated = inflater.inflate(entry);
                if (inflated != length || !inflater.finished()) {
                    throw new IOException(
                            rdataRdb
                                    + ": entry at byte "
                                    + offset
                                    + " inflates to "
                                    + inflated
                                    + " bytes, header says "
                                    + length);
                }
                novels.add(novel(lines(entry, rdataRdb)));
                offset = file.length - inflater.getRemaining();
            } catch (DataFormatException e) {
                throw new IOException(
                        rdataRdb + ": entry at byte " + offset + " is not zlib data", e);
            } finally {
                inflater.end();
            }
        }
        if (novels.isEmpty()) {
            throw new IOException(rdataRdb + ": no novels found");
        }
        return new AustenCorpus(rdataRdb, sha256(file), novels);
    }

    public Path source() {
        return source;
    }

    /** SHA-256 of the source file, hex encoded, to record which data a model saw. */
    public String sha256() {
        return sha256;
    }

    public List<Novel> novels() {
        return novels;
    }

    /**
     * Holds out the last {@code heldOutFraction} of the paragraphs of {@value #HELD_OUT_NOVEL};
     * everything else, in file order, is training text.
     */
    public Split split(double heldOutFraction) {
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException(
                    "heldOutFraction must be in (0, 1), got " + heldOutFraction);
        }
        List<String> training = new ArrayList<>();
        List<String> heldOut = new ArrayList<>();
        for (Novel novel : novels) {
            if (novel.title().equalsIgnoreCase(HELD_OUT_NOVEL)) {
                int cut = (int) Math.round(novel.paragraphs().size() * (1 - heldOutFraction));
                training.addAll(novel.paragraphs().subList(0, cut));
                heldOut.addAll(novel.paragraphs().subList(cut, novel.paragraphs().size()));
            } else {
                training.addAll(novel.paragraphs());
            }
        }
        if (heldOut.isEmpty()) {
            throw new IllegalStateException(source + ": novel " + HELD_OUT_NOVEL + " not found");
        }
        return new Split(training, heldOut);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides SHA-256", e);
        }
    }

    private static Novel novel(List<String> lines) {
        List<String> paragraphs = new ArrayList<>();
        StringBuilder paragraph = new StringBuilder();
        for (String line : lines) {
            String text = line == null ? "" : line.strip();
            if (text.isEmpty()) {
                flush(paragraph, paragraphs);
            } else {
                if (paragraph.length() > 0) {
                    paragraph.append(' ');
                }
                paragraph.append(text);
            }
        }
        flush(paragraph, paragraphs);
        String title = paragraphs.isEmpty() ? "" : paragraphs.get(0);
        return new Novel(
                title.substring(0, 1) + title.substring(1).toLowerCase(Locale.ROOT), paragraphs);
    }

    private static void flush(StringBuilder paragraph, List<String> paragraphs) {
        if (paragraph.length() > 0) {
            paragraphs.add(paragraph.toString().replaceAll(" {2,}", " "));
            paragraph.setLength(0);
        }
    }

    /**
     * The strings of a serialized character vector: the "X\n" (XDR) format marker, version fields,
     * the native encoding (format 3), then a STRSXP whose elements are CHARSXPs.
     */
    private static List<String> lines(byte[] entry, Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(entry); // XDR is big-endian
        if (entry.length < 14 || entry[0] != 'X' || entry[1] != '\n') {
            throw new IOException(file + ": entry is not an R XDR serialization");
        }
        in.position(2);
        int format = in.getInt();
        in.getInt(); // R version that wrote it
        in.getInt(); // oldest R version that can read it
        if (format == 3) {
            int encodingLength = in.getInt(); // followed by the native encoding's name
            in.position(in.position() + encodingLength);
        } else if (format != 2) {
            throw new IOException(file + ": unsupported R serialization format " + format);
        }
        int flags = in.getInt();
        if ((flags & 0xff) != R_STRSXP) {
            throw new IOException(
                    file + ": expected a character vector, found R type " + (flags & 0xff));
        }
        int count = in.getInt();
        List<String> strings = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int elementFlags = in.getInt();
            if ((elementFlags & 0xff) != R_CHARSXP) {
                throw new IOException(file + ": element " + i + " is not a string");
            }
            int length = in.getInt();
            if (length == R_NA_LENGTH) {
                strings.add(null);
                continue;
            }
            Charset charset =
                    ((elementFlags >>> 12) & R_LATIN1) != 0
                            ? StandardCharsets.ISO_8859_1
                            : StandardCharsets.UTF_8;
            strings.add(new String(entry, in.position(), length, charset));
            in.position(in.position() + length);
        }
        return strings;
    }
}
