package io.tandem.cli.replay;

import java.util.function.ToDoubleFunction;

/**
 * What happened to one replayed request: one row of the report's CSV, whose columns are these
 * components with {@link Sent}'s and {@link Answer}'s in their place. Small and fixed in size (no
 * prompt, no generated text, a reason of at most {@value #MAX_REASON} characters), so a replay
 * keeps one per request in bounded memory. Times are in ms; {@code dueMs} and {@code answeredMs}
 * count from the replay's start. Immutable.
 *
 * @param line the trace line
 * @param id the request id sent
 * @param status how it ended
 * @param sent how it went out
 * @param answeredMs when its answer (result or dead letter) was read; NaN without one
 * @param latencyMs scheduled send to its result being read; NaN without a result
 * @param answer what its result said; {@link Answer#NONE} without one
 * @param reason why it failed or was rejected; empty otherwise
 */
public record ReplayOutcome(
        long line,
        String id,
        Status status,
        Sent sent,
        double answeredMs,
        double latencyMs,
        Answer answer,
        String reason) {

    /**
     * How a request went out.
     *
     * @param arrivalMs the recorded arrival, relative to the trace's first request
     * @param dueMs when it was due to be sent: the recorded arrival over the speed-up (it went out
     *     {@code sendLagMs} later)
     * @param sendLagMs how late the send was against that schedule
     * @param promptTokens prompt length sent, after capping
     * @param maxNewTokens output length asked for, after capping
     * @param capped whether capping to the model's context shortened it
     */
    public record Sent(
            double arrivalMs,
            double dueMs,
            double sendLagMs,
            int promptTokens,
            int maxNewTokens,
            boolean capped) {}

    /**
     * What a request's result said.
     *
     * @param generatedTokens tokens generated
     * @param rounds target model calls that produced tokens
     * @param drafted draft tokens proposed
     * @param accepted draft tokens accepted
     * @param meanSpeculationLength mean speculation length over its rounds; 0 in mode ad
     * @param queueingMs send to arrival in the job (Kafka in)
     * @param batchingMs arrival to its batch window closing
     * @param admissionMs its batch window closing to the batch's first round: waiting at the loop
     *     head while other batches run
     * @param waitingMs time in the round loop outside model calls and loop overhead: waiting for a
     *     model worker
     * @param loopOverheadMs time going around the round loop between operators
     * @param draftMs time in draft model calls
     * @param verifyMs time in target model calls
     * @param deliveryMs the result leaving the job to it being read (Kafka out)
     * @param batchSize the size of its batch
     * @param resumes times its generation resumed after a failure
     */
    public record Answer(
            int generatedTokens,
            int rounds,
            int drafted,
            int accepted,
            double meanSpeculationLength,
            double queueingMs,
            double batchingMs,
            double admissionMs,
            double waitingMs,
            double loopOverheadMs,
            double draftMs,
            double verifyMs,
            double deliveryMs,
            int batchSize,
            int resumes) {

        /** No result came: nothing generated, no time measured. */
        public static final Answer NONE =
                new Answer(
                        0,
                        0,
                        0,
                        0,
                        0,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        Double.NaN,
                        0,
                        0);
    }

    /** Reasons are cut to this length: an error's text can be long. */
    static final int MAX_REASON = 240;

    public ReplayOutcome {
        if (reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON - 1) + "…";
        }
    }

    /** How a request sent by the replay ended. */
    public enum Status {
        /** A result came back. */
        ANSWERED,
        /** A result came back with finish reason ERROR. */
        FAILED,
        /** The job dead-lettered it. */
        REJECTED,
        /** Nothing came back before the replay's drain timeout. */
        LOST,
        /** Nothing had come back when the replay was interrupted. */
        IN_FLIGHT;

        /** Lower case, as written in the CSV and JSON. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The parts of a request's latency in the order they happen, each with its key in the JSON and
     * its label in the plots.
     */
    public enum Part {
        KAFKA_IN("kafka_in", "kafka in", Answer::queueingMs),
        BATCHING("batching", "batching", Answer::batchingMs),
        ADMISSION("admission", "admission", Answer::admissionMs),
        WAITING("waiting", "waiting", Answer::waitingMs),
        LOOP_OVERHEAD("loop_overhead", "loop overhead", Answer::loopOverheadMs),
        DRAFT("draft", "draft", Answer::draftMs),
        VERIFY("verify", "verify", Answer::verifyMs),
        DELIVERY("delivery", "delivery", Answer::deliveryMs);

        private final String key;
        private final String label;
        private final ToDoubleFunction<Answer> ms;

        Part(String key, String label, ToDoubleFunction<Answer> ms) {
            this.key = key;
            this.label = label;
            this.ms = ms;
        }

        public String key() {
            return key;
        }

        public String label() {
            return label;
        }

        /** This part of {@code outcome}'s latency, ms; NaN without an answer. */
        public double of(ReplayOutcome outcome) {
            return ms.applyAsDouble(outcome.answer());
        }
    }

    /** A request that got no result: rejected, lost, in flight, or its send not confirmed. */
    public static ReplayOutcome unanswered(
            long line, String id, Status status, Sent sent, double answeredMs, String reason) {
        return new ReplayOutcome(
                line, id, status, sent, answeredMs, Double.NaN, Answer.NONE, reason);
    }

    /** Whether it was served: a result without error came back. */
    public boolean served() {
        return status == Status.ANSWERED;
    }

    /** End-to-end latency per generated token; NaN unless served with tokens. */
    public double msPerOutputToken() {
        return served() && answer.generatedTokens() > 0
                ? latencyMs / answer.generatedTokens()
                : Double.NaN;
    }

    /**
     * Time the job spent generating (models and the loop) per generated token; NaN unless served.
     */
    public double generationMsPerToken() {
        return served() && answer.generatedTokens() > 0
                ? (answer.waitingMs()
                                + answer.loopOverheadMs()
                                + answer.draftMs()
                                + answer.verifyMs())
                        / answer.generatedTokens()
                : Double.NaN;
    }
}
