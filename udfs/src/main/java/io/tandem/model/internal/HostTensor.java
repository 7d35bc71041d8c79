package io.tandem.model.internal;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense, row-major float32 tensor on the Java heap: the currency between checkpoint files,
 * initialisers and the native engine. Shape and values are not copied, so treat both as read-only
 * once constructed.
 *
 * @param shape dimensions; empty for a scalar
 * @param values {@code product(shape)} elements in row-major order
 */
public record HostTensor(long[] shape, float[] values) {

    public HostTensor {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        long elements = elementCount(shape);
        if (elements != values.length) {
            throw new IllegalArgumentException(
                    "shape "
                            + Arrays.toString(shape)
                            + " needs "
                            + elements
                            + " values, got "
                            + values.length);
        }
    }

    /** Number of elements of a tensor of this shape. */
    public static long elementCount(long[] shape) {
        long count = 1;
        for (long dimension : shape) {
            if (dimension < 0) {
                throw new IllegalArgumentException(
                        "negative dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dimension);
        }
        return count;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor other
                && Arrays.equals(shape, other.shape)
                && Arrays.equals(values, other.values);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return "HostTensor" + Arrays.toString(shape);
    }
}
