package io.tandem.planner.batching;

import io.tandem.planner.BatchShape;
import java.util.Arrays;

/**
 * One batch of a plan. Immutable: the index array is copied in and out.
 *
 * @param requestIndices the batch's requests as indices into the problem's input order, ascending
 *     by prompt length; as many as {@code shape.size()}
 * @param shape what the batch's cost depends on
 * @param speculationLength drafts per round, {@code >= 1}
 */
public record PlannedBatch(int[] requestIndices, BatchShape shape, int speculationLength) {

    public PlannedBatch {
        if (requestIndices.length != shape.size()) {
            throw new IllegalArgumentException(
                    "batch of size "
                            + shape.size()
                            + " lists "
                            + requestIndices.length
                            + " requests");
        }
        if (speculationLength < 1) {
            throw new IllegalArgumentException(
                    "speculation length must be >= 1, got " + speculationLength);
        }
        requestIndices = requestIndices.clone();
    }

    @Override
    public int[] requestIndices() {
        return requestIndices.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PlannedBatch other
                && Arrays.equals(requestIndices, other.requestIndices)
                && shape.equals(other.shape)
                && speculationLength == other.speculationLength;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(requestIndices) + shape.hashCode()) + speculationLength;
    }

    @Override
    public String toString() {
        return "PlannedBatch[requestIndices="
                + Arrays.toString(requestIndices)
                + ", shape="
                + shape
                + ", speculationLength="
                + speculationLength
                + "]";
    }
}
