package io.tandem.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;

/**
 * The public topics' schemas as released, frozen: what producers and consumers built against an
 * earlier release write and read. Records on the topics are plain Avro binary without the writer's
 * schema, so a reader that meets a record its own schema cannot read tries these. A release that
 * changes a public schema adds its version here.
 */
public final class ReleasedSchemas {

    /** Released versions, oldest first. */
    public static final List<String> VERSIONS = List.of("v1");

    private ReleasedSchemas() {}

    /**
     * The released schema of record {@code name} ({@code InferenceRequest}, ...) in {@code
     * version}.
     */
    public static Schema of(String version, String name) {
        String path = "released/" + version + "/" + name + ".avsc";
        try (InputStream in = ReleasedSchemas.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("no released schema " + path);
            }
            return new Schema.Parser().parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every released schema of record {@code name}, newest first. */
    public static List<Schema> newestFirst(String name) {
        List<Schema> schemas = new ArrayList<>();
        for (int i = VERSIONS.size() - 1; i >= 0; i--) {
            schemas.add(of(VERSIONS.get(i), name));
        }
        return schemas;
    }
}
