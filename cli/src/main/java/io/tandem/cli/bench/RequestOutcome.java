package io.tandem.cli.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * What happened to one request in one run of {@code ./tandem bench pipeline}, on either path. Times
 * are in ms; the six parts add up to the latency (up to clock rounding).
 *
 * @param id the request id
 * @param latencyMs scheduled send (or arrival) to the result being read (or the batch ending)
 * @param doneMs when the result was there, from the run's first scheduled send
 * @param tokens generated token ids
 * @param rounds target model calls that produced tokens
 * @param drafted draft tokens proposed
 * @param accepted draft tokens accepted
 * @param batchId the batch that served it
 * @param windowId the window the batch came from (the batch itself unless the planner split it)
 * @param speculationLength the batch's speculation length; 0 in mode ad
 * @param roundLengths the speculation length of each round (empty when not known)
 * @param queueMs send to arrival in the job (Kafka in; 0 in process)
 * @param batchingMs arrival to the window closing
 * @param admissionMs window closed to its batch's first round, waiting at the loop head while other
 *     batches run (0 in process, whose waiting holds it)
 * @param waitMs in the job, time in the round loop outside model calls: operator hops, waiting for
 *     a model worker; in process, window closed to the batch starting: planning, earlier batches
 * @param modelMs the batch's model calls
 * @param deliveryMs batch done to the result being read (Kafka out; 0 in process)
 * @param loopRounds trips around the job's round loop (0 in process)
 * @param roundOverheadMs time going around the loop outside the models, over all its trips
 */
record RequestOutcome(
        String id,
        double latencyMs,
        double doneMs,
        List<Integer> tokens,
        int rounds,
        int drafted,
        int accepted,
        String batchId,
        String windowId,
        int speculationLength,
        List<Integer> roundLengths,
        double queueMs,
        double batchingMs,
        double admissionMs,
        double waitMs,
        double modelMs,
        double deliveryMs,
        int loopRounds,
        double roundOverheadMs) {

    /**
     * The parts of a request's latency in the order they happen, each with its JSON key and its
     * terminal header; the loop overhead lies within the waiting.
     */
    enum Part {
        QUEUEING("queueing", "queue", RequestOutcome::queueMs),
        BATCHING("batching", "batching", RequestOutcome::batchingMs),
        ADMISSION("admission", "admission", RequestOutcome::admissionMs),
        WAITING("waiting", "waiting", RequestOutcome::waitMs),
        LOOP_OVERHEAD("loop_overhead", "of it loop", RequestOutcome::roundOverheadMs),
        MODEL("model", "model", RequestOutcome::modelMs),
        DELIVERY("delivery", "delivery", RequestOutcome::deliveryMs);

        final String key;
        final String header;
        final ToDoubleFunction<RequestOutcome> ms;

        Part(String key, String header, ToDoubleFunction<RequestOutcome> ms) {
            this.key = key;
            this.header = header;
            this.ms = ms;
        }
    }

    /**
     * Latency over output tokens, the time per output token as a client sees it; infinite for a
     * result without tokens, which no SLO admits.
     */
    double tpotMs() {
        return tokens.isEmpty() ? Double.POSITIVE_INFINITY : latencyMs / tokens.size();
    }

    /** Loop overhead per trip around the round loop; NaN in process, where there is no loop. */
    double overheadPerRoundMs() {
        return loopRounds == 0 ? Double.NaN : roundOverheadMs / loopRounds;
    }
}
