package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;

/**
 * The attention keys and values of every layer for a batch of sequences, grown by one forward pass
 * at a time. Arrays live in the cache's own manager, so a decode step's temporaries can be freed
 * with the step while the cache survives, and replaced arrays are freed at once instead of piling
 * up until the end of the generation.
 *
 * <p>Small caches grow by concatenation. Once a layer's keys reach {@link #IN_PLACE_BYTES}, its
 * keys and values move to buffers with spare columns: a pass writes its columns in place and hands
 * the network views of the filled part, so a step costs the same whatever the length, where
 * concatenating would copy the whole cache every step (measured: 342 vs 60 µs per step for 2 layers
 * of batch 8, width 256, 256 positions). A full buffer grows by half.
 *
 * <p>Besides growing, a cache can drop or copy rows, squeeze out columns per row ({@link
 * #gatherColumns}) and be assembled from the rows of other caches ({@link #concatRows}): the engine
 * side of {@link CacheLayout}, which a session batch keeps alongside.
 *
 * <p>Not thread-safe; one cache belongs to one generation call or one session batch.
 */
public final class KvCache implements AutoCloseable {

    /**
     * A layer's keys of at least this size grow in place; smaller ones by concatenation, which
     * costs fewer engine ops. Measured per step for 2 layers (µs, concatenation vs in place): batch
     * 8, width 128: 32 vs 51 at 64 positions (256 KB), 107 vs 52 at 256 (1 MB); batch 8, width 256,
     * 64 positions (512 KB): 60 vs 62; batch 1, width 256, 256 positions (256 KB): 33 vs 47. At 512
     * KB the 6-layer target's step at context 512 cost 2.45x its step at context 32 (the cache was
     * copied every step); at 256 KB, 1.75x.
     */
    private static final long IN_PLACE_BYTES = 256 * 1024;

    /** Spare columns at least, when a buffer grows. */
    private static final long MIN_SPARE = 16;

    private final NDManager manager;
    private final NDArray[] keys; // per layer, transposed: [batch, heads, headDim, capacity]
    private final NDArray[] values; // per layer [batch, heads, capacity, headDim]
    private final long[] lengths; // per layer: filled columns

    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        this.lengths = new long[layers];
    }

    /**
     * Appends one forward pass's keys and values of {@code layer} and returns the full cached keys
     * and values of that layer, valid until the next append to this layer: the cache's own arrays,
     * or views of them owned by the manager of {@code keysT}. The cache takes ownership of the
     * arrays passed in.
     *
     * @param keysT transposed keys [batch, heads, headDim, seq]
     * @param value [batch, heads, seq, headDim]
     * @return transposed keys [batch, heads, headDim, length], values [batch, heads, length,
     *     headDim]
     */
    NDList append(int layer, NDArray keysT, NDArray value) {
        long from = lengths[layer];
        long to = from + keysT.getShape().get(3);
        lengths[layer] = to;
        if (keys[layer] == null) {
            replace(keys, layer, keysT);
            replace(values, layer, value);
            return new NDList(keys[layer], values[layer]);
        }
        long capacity = keys[layer].getShape().get(3);
        if (to > capacity && bytes(keys[layer]) < IN_PLACE_BYTES) {
            // small enough that copying it beats in-place writes plus views
            NDManager caller = keysT.getManager();
            replace(keys, layer, filled(keys[layer], from, 3, caller).concat(keysT, 3));
            replace(values, layer, filled(values[layer], from, 2, caller).concat(value, 2));
            return new NDList(keys[layer], values[layer]);
        }
        if (to > capacity) {
            long spare = to - capacity + Math.max(MIN_SPARE, to / 2);
            replace(keys, layer, keys[layer].pad(new Shape(0, spare), 0));
            replace(values, layer, values[layer].pad(new Shape(0, 0, 0, spare), 0));
        }
        keys[layer].set(new NDIndex(":, :, :, {}:{}", from, to), keysT);
        values[layer].set(new NDIndex(":, :, {}:{}, :", from, to), value);
        NDManager caller = keysT.getManager();
        return new NDList(
                keys[layer].get(caller, new NDIndex(":, :, :, :{}", to)),
                values[layer].get(caller, new NDIndex(":, :, :{}, :", to)));
    }

    /**
     * {@code buffer}'s first {@code length} columns along {@code axis}: the buffer itself if it has
     * no spare ones, else a view owned by {@code scope}.
     */
    private static NDArray filled(NDArray buffer, long length, int axis, NDManager scope) {
        if (buffer.getShape().get(axis) == length) {
            return buffer;
        }
        NDIndex index =
                axis == 3
                        ? new NDIndex(":, :, :, :{}", length)
                        : new NDIndex(":, :, :{}, :", length);
        return buffer.get(scope, index);
    }

    /** Cached positions per sequence (including any padding), 0 before the first pass. */
    public long length() {
        return lengths[0];
    }

    /** Keeps only the given batch rows, in the given order. */
    public void keepRows(int[] rows) {
        if (keys[0] == null) {
            return;
        }
        try (NDArray index = rowIndex(manager, rows)) {
            NDIndex selection = new NDIndex("{}", index);
            for (int layer = 0; layer < keys.length; layer++) {
                replace(keys, layer, keys[layer].get(selection));
                replace(values, layer, values[layer].get(selection));
            }
        }
    }

    /** A new cache under {@code parent} holding copies of the given rows, in order. */
    KvCache copyRows(NDManager parent, int[] rows) {
        KvCache copy = new KvCache(parent, keys.length);
        if (keys[0] != null) {
            try (NDArray index = rowIndex(manager, rows)) {
                NDIndex selection = new NDIndex("{}", index);
                for (int layer = 0; layer < keys.length; layer++) {
                    copy.replace(copy.keys, layer, keys[layer].get(selection));
                    copy.replace(copy.values, layer, values[layer].get(selection));
                }
            }
            System.arraycopy(lengths, 0, copy.lengths, 0, lengths.length);
        }
        return copy;
    }

    /**
     * Replaces every row's columns by the columns {@code index} picks for it: {@code index} is
     * [rows, width] column numbers, so row {@code r}'s new column {@code c} is its old column
     * {@code index[r * width + c]}. Two gathers per layer, whatever the number of rows.
     */
    void gatherColumns(long[] index, int width) {
        if (keys[0] == null) {
            return;
        }
        Shape keyShape = keys[0].getShape(); // [rows, heads, headDim, capacity]
        long rows = keyShape.get(0);
        long heads = keyShape.get(1);
        long headDim = keyShape.get(2);
        try (NDManager scope = manager.newSubManager()) {
            NDArray columns = scope.create(index, new Shape(rows, 1, 1, width));
            NDArray keyIndex = columns.broadcast(new Shape(rows, heads, headDim, width));
            NDArray valueIndex =
                    columns.reshape(rows, 1, width, 1)
                            .broadcast(new Shape(rows, heads, width, headDim));
            for (int layer = 0; layer < keys.length; layer++) {
                replace(keys, layer, keys[layer].gather(keyIndex, 3));
                replace(values, layer, values[layer].gather(valueIndex, 2));
            }
        }
        Arrays.fill(lengths, width);
    }

    /**
     * A new cache under {@code parent} with the rows of {@code parts} in order, each part
     * left-padded with zero columns to the longest (the padding is a hole of its rows). A part that
     * caches nothing yet contributes {@code rows[i]} all-padding rows. At least one part must cache
     * something; the parts are left as they are.
     */
    static KvCache concatRows(NDManager parent, List<KvCache> parts, int[] rows) {
        KvCache shapeSource =
                parts.stream()
                        .filter(part -> part.keys[0] != null)
                        .findFirst()
                        .orElseThrow(
                                () -> new IllegalArgumentException("all parts are empty caches"));
        int layers = shapeSource.keys.length;
        Shape keyShape = shapeSource.keys[0].getShape(); // [rows, heads, headDim, capacity]
        long heads = keyShape.get(1);
        long headDim = keyShape.get(2);
        long width = parts.stream().mapToLong(KvCache::length).max().orElse(0);
        KvCache merged = new KvCache(parent, layers);
        try (NDManager scope = merged.manager.newSubManager()) {
            // rows with nothing cached are all padding, the same zeros in every layer
            NDArray[] blankKeys = new NDArray[parts.size()];
            NDArray[] blankValues = new NDArray[parts.size()];
            for (int i = 0; i < parts.size(); i++) {
                if (parts.get(i).keys[0] == null) {
                    blankKeys[i] = scope.zeros(new Shape(rows[i], heads, headDim, width));
                    blankValues[i] = scope.zeros(new Shape(rows[i], heads, width, headDim));
                }
            }
            for (int layer = 0; layer < layers; layer++) {
                NDList keyParts = new NDList();
                NDList valueParts = new NDList();
                for (int i = 0; i < parts.size(); i++) {
                    KvCache part = parts.get(i);
                    long length = part.length();
                    if (part.keys[0] == null) {
                        keyParts.add(blankKeys[i]);
                        valueParts.add(blankValues[i]);
                    } else {
                        // the filled columns, left-padded to the width
                        keyParts.add(
                                part.keys[layer]
                                        .get(scope, new NDIndex(":, :, :, :{}", length))
                                        .pad(new Shape(width - length, 0), 0));
                        valueParts.add(
                                part.values[layer]
                                        .get(scope, new NDIndex(":, :, :{}, :", length))
                                        .pad(new Shape(0, 0, width - length, 0), 0));
                    }
                }
                merged.replace(merged.keys, layer, NDArrays.concat(keyParts, 0));
                merged.replace(merged.values, layer, NDArrays.concat(valueParts, 0));
            }
        }
        Arrays.fill(merged.lengths, width);
        return merged;
    }

    /** Native memory held by the key and value buffers, spare columns included, in bytes. */
    long bytes() {
        long bytes = 0;
        for (int layer = 0; layer < keys.length; layer++) {
            if (keys[layer] != null) {
                bytes += bytes(keys[layer]) + bytes(values[layer]);
            }
        }
        return bytes;
    }

    private static long bytes(NDArray array) {
        return array.getShape().size() * array.getDataType().getNumOfBytes();
    }

    private static NDArray rowIndex(NDManager manager, int[] rows) {
        long[] indices = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            indices[i] = rows[i];
        }
        return manager.create(indices).toType(DataType.INT64, false);
    }

    private void replace(NDArray[] arrays, int layer, NDArray updated) {
        NDArray previous = arrays[layer];
        updated.attach(manager);
        arrays[layer] = updated;
        if (previous != null && previous != updated) {
            previous.close();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
