package io.tandem.job.operators;

/**
 * Names and uids of the job's operators. The uid ties state to an operator across job versions and
 * must never change for a stateful operator; the name is what the Flink UI and logs show.
 */
public final class Operators {

    private Operators() {}

    public static final String SOURCE = "requests-source";

    /** Requests of a DataStream, encoded as records of it (TandemServing#generate). */
    public static final String ENCODE = "encode-requests";

    public static final String DECODE = "decode-requests";
    public static final String BATCH = "batch-requests";

    /** The loop head: admits windows as planned batches and starts their rounds. */
    public static final String SCHEDULE = "schedule-rounds";

    public static final String DRAFT = "draft";
    public static final String VERIFY = "verify";

    /** The loop tail: emits finished requests, feeds the rest back to the head. */
    public static final String FEEDBACK = "finish-rounds";

    /** Slot sharing group of the source, decoding and batching. */
    public static final String INGEST_GROUP = "ingest";

    /** Slot sharing group of the loop head, draft and loop tail (the small TaskManagers). */
    public static final String DRAFT_GROUP = "draft";

    /** Slot sharing group of verification (the big TaskManagers). */
    public static final String VERIFY_GROUP = "verify";

    public static final String RESULTS_SINK = "results-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
}
