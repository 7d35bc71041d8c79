package io.tandem.model.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.tandem.model.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The weights of a model directory, whether stored as one {@code model.safetensors} or sharded with
 * a {@code model.safetensors.index.json} whose {@code weight_map} names each tensor's shard.
 * Thread-safe for reads; close it when the weights have been copied out.
 */
public final class Checkpoint implements AutoCloseable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Path directory;
    private final Map<String, SafetensorsFile> fileByTensor;
    private final List<SafetensorsFile> files;

    private Checkpoint(
            Path directory,
            Map<String, SafetensorsFile> fileByTensor,
            List<SafetensorsFile> files) {
        this.directory = directory;
        this.fileByTensor = fileByTensor;
        this.files = files;
    }

    /** Opens the weights in {@code directory}, preferring a single file over an index. */
    public static Checkpoint open(Path directory) throws IOException {
        Path single = directory.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) {
            SafetensorsFile file = SafetensorsFile.open(single);
            Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
            file.names().forEach(name -> byTensor.put(name, file));
            return new Checkpoint(directory, byTensor, List.of(file));
        }
        Path index = directory.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) {
            return openSharded(directory, index);
        }
        throw new IOException(
                directory + ": no weights found; expected " + SINGLE_FILE + " or " + INDEX_FILE);
    }

    private static Checkpoint openSharded(Path directory, Path index) throws IOException {
        JsonObject weightMap;
        try {
            JsonElement root = JsonParser.parseString(Files.readString(index));
            JsonElement map = root.isJsonObject() ? root.getAsJsonObject().get("weight_map") : null;
            if (map == null || !map.isJsonObject()) {
                throw new IOException(index + ": missing object 'weight_map'");
            }
            weightMap = map.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IOException(index + ": not valid JSON", e);
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> byTensor = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonElement> mapping : weightMap.entrySet()) {
                String shardName = mapping.getValue().getAsString();
                Path shardPath = directory.resolve(shardName).normalize();
                if (!shardPath.startsWith(directory.normalize())) {
                    throw new IOException(
                            index + ": shard " + shardName + " is outside " + directory);
                }
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    shard = SafetensorsFile.open(shardPath);
                    shards.put(shardName, shard);
                }
                if (shard.entry(mapping.getKey()) == null) {
                    throw new IOException(
                            index
                                    + ": tensor '"
                                    + mapping.getKey()
                                    + "' is mapped to "
                                    + shardName
                                    + ", which does not contain it");
                }
                byTensor.put(mapping.getKey(), shard);
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile shard : shards.values()) {
                shard.close();
            }
            throw e;
        }
        return new Checkpoint(directory, byTensor, new ArrayList<>(shards.values()));
    }

    public Path directory() {
        return directory;
    }

    /** All tensor names. */
    public Set<String> names() {
        return Collections.unmodifiableSet(fileByTensor.keySet());
    }

    public boolean contains(String name) {
        return fileByTensor.containsKey(name);
    }

    /** The stored shape of tensor {@code name}. */
    public long[] shape(String name) throws IOException {
        return locate(name).entry(name).shape().clone();
    }

    /** Reads tensor {@code name} as float32. */
    public HostTensor read(String name) throws IOException {
        return locate(name).read(name);
    }

    /**
     * Reads every tensor of {@code shapes} (name to the shape the model's config implies) as
     * float32, in that order. Missing tensors and shape mismatches are reported with the directory
     * and tensor names; extra tensors are ignored.
     *
     * @param architecture the model's architecture, for messages
     */
    public Map<String, HostTensor> read(Map<String, long[]> shapes, String architecture)
            throws IOException, ModelException {
        List<String> missing = shapes.keySet().stream().filter(n -> !contains(n)).toList();
        if (!missing.isEmpty()) {
            throw new ModelException(
                    directory
                            + ": checkpoint lacks "
                            + missing.size()
                            + " "
                            + architecture
                            + " tensors, e.g. "
                            + missing.subList(0, Math.min(5, missing.size())));
        }
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> expected : shapes.entrySet()) {
            String name = expected.getKey();
            long[] stored = shape(name);
            if (!Arrays.equals(stored, expected.getValue())) {
                throw new ModelException(
                        directory
                                + ": tensor '"
                                + name
                                + "' has shape "
                                + Arrays.toString(stored)
                                + " but config.json implies "
                                + Arrays.toString(expected.getValue()));
            }
            tensors.put(name, read(name));
        }
        return tensors;
    }

    private SafetensorsFile locate(String name) throws IOException {
        SafetensorsFile file = fileByTensor.get(name);
        if (file == null) {
            throw new IOException(directory + ": checkpoint has no tensor '" + name + "'");
        }
        return file;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsFile file : files) {
            try {
                file.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
