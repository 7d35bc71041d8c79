package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * The attention keys and values of every layer for a batch of sequences, grown by one forward pass
 * at a time. Arrays live in the cache's own manager, so a decode step's temporaries can be freed
 * with the step while the cache survives, and replaced arrays are freed at once instead of piling
 * up until the end of the generation.
 *
 * <p>Not thread-safe; one cache belongs to one generation call.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final NDArray[] keys; // per layer, transposed: [batch, heads, headDim, length]
    private final NDArray[] values; // per layer [batch, heads, length, headDim]

    public KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /**
     * Appends one forward pass's keys and values of {@code layer} and returns the full cached keys
     * and values of that layer. The cache takes ownership of the arrays passed in.
     *
     * @param keysT transposed keys [batch, heads, headDim, seq]
     * @param value [batch, heads, seq, headDim]
     * @return transposed keys [batch, heads, headDim, length], values [batch, heads, length,
     *     headDim]
     */
    NDList append(int layer, NDArray keysT, NDArray value) {
        replace(keys, layer, keys[layer] == null ? keysT : keys[layer].concat(keysT, 3));
        replace(values, layer, values[layer] == null ? value : values[layer].concat(value, 2));
        return new NDList(keys[layer], values[layer]);
    }

    /** Cached positions per sequence (including any padding), 0 before the first pass. */
    public long length() {
        return keys[0] == null ? 0 : keys[0].getShape().get(3);
    }

    /** Keeps only the given batch rows, in the given order. */
    public void keepRows(int[] rows) {
        if (keys[0] == null) {
            return;
        }
        long[] indices = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            indices[i] = rows[i];
        }
        try (NDArray index = manager.create(indices).toType(DataType.INT64, false)) {
            NDIndex selection = new NDIndex("{}", index);
            for (int layer = 0; layer < keys.length; layer++) {
                replace(keys, layer, keys[layer].get(selection));
                replace(values, layer, values[layer].get(selection));
            }
        }
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
