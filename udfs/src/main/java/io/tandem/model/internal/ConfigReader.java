package io.tandem.model.internal;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Typed access to the keys of a Hugging Face {@code config.json} (or one of its nested objects),
 * with errors that name the file and the key. A JSON {@code null} counts as absent, as it does for
 * Hugging Face. Immutable.
 *
 * @param file the config file, for messages
 * @param json the object read
 * @param keyPrefix prefix of key names in messages: empty at the top level, {@code "outer."} in a
 *     nested object
 */
record ConfigReader(Path file, JsonObject json, String keyPrefix) {

    /** Parses {@code file}, which must hold a JSON object. */
    static ConfigReader open(Path file) throws ModelException {
        try {
            JsonElement root = JsonParser.parseString(Files.readString(file));
            if (!root.isJsonObject()) {
                throw new ModelException(file + ": expected a JSON object");
            }
            return new ConfigReader(file, root.getAsJsonObject(), "");
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read model config: " + e.getMessage(), e);
        } catch (JsonParseException e) {
            throw new ModelException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    String string(String key, String fallback) throws ModelException {
        JsonPrimitive value = value(key);
        return value == null ? fallback : value.getAsString();
    }

    boolean bool(String key, boolean fallback) throws ModelException {
        JsonPrimitive value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isBoolean()) {
            throw error(key, "must be true or false");
        }
        return value.getAsBoolean();
    }

    double number(String key, double fallback) throws ModelException {
        JsonPrimitive value = value(key);
        if (value == null) {
            return fallback;
        }
        if (!value.isNumber()) {
            throw error(key, "must be a number");
        }
        return value.getAsDouble();
    }

    /** An integer key; {@code fallback == null} makes the key required. */
    int integer(String key, Integer fallback) throws ModelException {
        JsonPrimitive value = value(key);
        if (value == null) {
            if (fallback == null) {
                throw new ModelException(file + ": missing required key '" + keyPrefix + key + "'");
            }
            return fallback;
        }
        if (!isInteger(value)) {
            throw error(key, "must be an integer");
        }
        return value.getAsInt();
    }

    /**
     * A special token id: an integer, a list of integers (the first is taken, as generation takes
     * the first of several end-of-sequence tokens to stop on), or absent, which gives -1.
     */
    int tokenId(String key) throws ModelException {
        JsonElement element = element(key);
        if (element == null) {
            return -1;
        }
        JsonElement first = element;
        if (element.isJsonArray()) {
            JsonArray list = element.getAsJsonArray();
            if (list.isEmpty()) {
                return -1;
            }
            first = list.get(0);
        }
        if (!first.isJsonPrimitive() || !isInteger(first.getAsJsonPrimitive())) {
            throw error(key, "must be an integer, a list of integers or null");
        }
        return first.getAsInt();
    }

    /** The nested object under {@code key}, or {@code null} when absent. */
    ConfigReader object(String key) throws ModelException {
        JsonElement element = element(key);
        if (element == null) {
            return null;
        }
        if (!element.isJsonObject()) {
            throw error(key, "must be an object");
        }
        return new ConfigReader(file, element.getAsJsonObject(), keyPrefix + key + ".");
    }

    /** The raw value of {@code key}, or {@code null} when absent or JSON null. */
    JsonElement element(String key) {
        JsonElement value = json.get(key);
        return value == null || value.isJsonNull() ? null : value;
    }

    /** An error about {@code key}: "file: key 'prefix.key' " + {@code problem}. */
    ModelException error(String key, String problem) {
        return new ModelException(file + ": key '" + keyPrefix + key + "' " + problem);
    }

    /** The value of {@code key}, or {@code null} when absent or JSON null. */
    private JsonPrimitive value(String key) throws ModelException {
        JsonElement value = element(key);
        if (value == null) {
            return null;
        }
        if (!value.isJsonPrimitive()) {
            throw error(key, "must be a single value");
        }
        return value.getAsJsonPrimitive();
    }

    private static boolean isInteger(JsonPrimitive value) {
        return value.isNumber() && value.getAsDouble() == Math.rint(value.getAsDouble());
    }
}
