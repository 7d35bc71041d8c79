package io.tandem.planner.sim;

/** The order in which the draft and verify nodes take the rounds of a window's batches. */
public enum Schedule {
    /** The paper's pipeline: rounds of all batches in turn, (1,1), (2,1), …, (M,1), (1,2), … */
    ROUND_ROBIN,
    /** Pipelined, but a free node always takes the earliest batch's ready round. */
    EARLIEST_BATCH_FIRST,
    /** No pipelining: batch after batch, and each round's draft waits for the last verify. */
    SEQUENTIAL
}
