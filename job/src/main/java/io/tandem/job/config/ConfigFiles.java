package io.tandem.job.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.YamlParserUtils;

/**
 * Reads a YAML config file into flat settings. Nested YAML maps flatten to dotted keys, so {@code
 * tandem: {batch: {max-size: 8}}} and {@code tandem.batch.max-size: 8} mean the same, as in Flink's
 * own {@code config.yaml}.
 */
public final class ConfigFiles {

    private ConfigFiles() {}

    /** The settings in {@code file}, as flat keys and string values. */
    public static Map<String, String> read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "Config file " + file + " does not exist or is not a file.");
        }
        Map<String, String> flat = new LinkedHashMap<>();
        try {
            flatten("", YamlParserUtils.loadYamlFile(file.toFile()), flat);
        } catch (Exception e) {
            throw new IllegalArgumentException(
                    "Config file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        return flat;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String key = prefix + entry.getKey();
            if (entry.getValue() instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else if (entry.getValue() != null) {
                out.put(key, String.valueOf(entry.getValue()));
            }
        }
    }
}
