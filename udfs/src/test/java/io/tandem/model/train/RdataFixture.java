package io.tandem.model.train;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Writes small {@code Rdata.rdb} files laid out as r-cran-janeaustenr's: one character vector per
 * novel.
 */
final class RdataFixture {

    private static final int ASCII_CHARSXP = (64 << 12) | 9;
    private static final int LATIN1_CHARSXP = (4 << 12) | 9;
    private static final int UTF8_CHARSXP = (8 << 12) | 9;

    private RdataFixture() {}

    /** Writes {@code novels} (each a list of lines; null is NA) to {@code file}. */
    static Path write(Path file, List<List<String>> novels) throws IOException {
        ByteArrayOutputStream rdb = new ByteArrayOutputStream();
        for (List<String> lines : novels) {
            byte[] serialized = serialize(lines);
            Deflater deflater = new Deflater();
            deflater.setInput(serialized);
            deflater.finish();
            byte[] buffer = new byte[serialized.length + 64];
            int compressed = deflater.deflate(buffer);
            deflater.end();
            new DataOutputStream(rdb).writeInt(serialized.length);
            rdb.write(buffer, 0, compressed);
        }
        Files.write(file, rdb.toByteArray());
        return file;
    }

    private static byte[] serialize(List<String> lines) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeBytes("X\n");
        out.writeInt(3); // format
        out.writeInt(0x040201); // written by R 4.2.1
        out.writeInt(0x030500); // readable from R 3.5.0
        out.writeInt(5);
        out.writeBytes("UTF-8");
        out.writeInt(16); // STRSXP
        out.writeInt(lines.size());
        for (String line : lines) {
            if (line == null) {
                out.writeInt(9);
                out.writeInt(-1);
            } else if (line.chars().allMatch(c -> c < 128)) {
                writeString(out, ASCII_CHARSXP, line.getBytes(StandardCharsets.US_ASCII));
            } else if (line.startsWith("latin1:")) {
                writeString(
                        out,
                        LATIN1_CHARSXP,
                        line.substring(7).getBytes(StandardCharsets.ISO_8859_1));
            } else {
                writeString(out, UTF8_CHARSXP, line.getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, int flags, byte[] bytes)
            throws IOException {
        out.writeInt(flags);
        out.writeInt(bytes.length);
        out.write(bytes);
    }
}
