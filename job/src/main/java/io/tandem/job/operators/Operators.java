package io.tandem.job.operators;

/**
 * Names and uids of the job's operators. The uid ties state to an operator across job versions and
 * must never change for a stateful operator; the name is what the Flink UI and logs show.
 */
public final class Operators {

    private Operators() {}

    public static final String SOURCE = "requests-source";
    public static final String DECODE = "decode-requests";
    public static final String BATCH = "batch-requests";
    public static final String PLAN = "plan-batches";
    public static final String GENERATE = "generate";
    public static final String RESULTS_SINK = "results-sink";
    public static final String DEAD_LETTER_SINK = "dead-letter-sink";
}
