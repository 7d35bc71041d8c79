package io.tandem.udfs;

import io.tandem.schemas.FinishReason;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Placement;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.RoundBatch;
import java.time.Instant;
import java.util.List;

/**
 * Builds the {@link InferenceResult} of a request, successful or failed, with its latency
 * breakdown. Pure: all times are passed in.
 */
public final class Results {

    private Results() {}

    /**
     * What one request's rounds cost and where they ran.
     *
     * @param batch the request's batch (its id, size, mode and plan)
     * @param closedMillis when the request's window closed: the batch's, or for a request that
     *     joined the batch between rounds its own
     * @param admissionMs time the batch waited at the loop head before its first round
     * @param roundOverheadMs time going around the round loop, outside the models
     */
    public record BatchWork(
            RoundBatch batch,
            long closedMillis,
            double admissionMs,
            double draftMs,
            double verifyMs,
            double roundOverheadMs,
            Placement placement) {}

    /** A request that finished generating. */
    public static InferenceResult completed(
            AdmittedRequest admitted,
            BatchWork work,
            String text,
            List<Integer> tokenIds,
            FinishReason finishReason,
            int rounds,
            long completedMillis) {
        return base(admitted, work, completedMillis)
                .setText(text)
                .setTokenIds(tokenIds)
                .setFinishReason(finishReason)
                .setGeneratedTokens(tokenIds.size())
                .setRounds(rounds)
                .build();
    }

    /**
     * {@code result} as it leaves the round loop at {@code deliveredMillis}, with {@code
     * overheadMs} more loop overhead (the last trip's, measured after the result was built): the
     * total and the unaccounted rest grow by the time since, so the parts still add up. Only then
     * is the total final, so this is where a request with a deadline learns whether it met it.
     */
    public static void delivered(InferenceResult result, long deliveredMillis, double overheadMs) {
        LatencyBreakdown latency = result.getLatency();
        double later = Math.max(0, deliveredMillis - result.getCompletedTime().toEpochMilli());
        latency.setRoundOverheadMs(latency.getRoundOverheadMs() + overheadMs);
        latency.setTotalMs(latency.getTotalMs() + later);
        latency.setLoopMs(latency.getLoopMs() + later);
        if (result.getDeadlineMs() != null) {
            result.setDeadlineMet(latency.getTotalMs() <= result.getDeadlineMs());
        }
        result.setCompletedTime(
                Instant.ofEpochMilli(
                        Math.max(deliveredMillis, result.getCompletedTime().toEpochMilli())));
    }

    /**
     * Trips {@code result}'s request made around the round loop: in the speculative modes one per
     * round (each records its length, 0 for a plain round), in ad one per {@link
     * VerifyAsyncFunction#PLAIN_STEPS_PER_ROUND} decode steps.
     */
    public static int loopTrips(InferenceResult result) {
        return result.getMode().equals(ServingMode.AD.label())
                ? (result.getRounds() + VerifyAsyncFunction.PLAIN_STEPS_PER_ROUND - 1)
                        / VerifyAsyncFunction.PLAIN_STEPS_PER_ROUND
                : result.getSpeculationLengths().size();
    }

    /** A request that could not finish: it still gets its one result, with the reason. */
    public static InferenceResult failed(
            AdmittedRequest admitted, BatchWork work, String error, long completedMillis) {
        return base(admitted, work, completedMillis)
                .setText("")
                .setFinishReason(FinishReason.ERROR)
                .setError(error)
                .build();
    }

    private static InferenceResult.Builder base(
            AdmittedRequest admitted, BatchWork work, long completedMillis) {
        InferenceRequest request = admitted.getRequest();
        long sent = request.getClientSendTime().toEpochMilli();
        long arrived = admitted.getArrivalTime().toEpochMilli();
        long closed = work.closedMillis();
        double queueing = arrived - sent;
        double batching = closed - arrived;
        double measured =
                queueing + batching + work.admissionMs() + work.draftMs() + work.verifyMs();
        // The total comes from millisecond timestamps, the model calls are timed in nanoseconds:
        // where rounding leaves the total short of the measured parts, the parts win, so that
        // they always add up and the loop's rest is never negative.
        double total = Math.max(completedMillis - sent, measured);
        double loop = total - measured;
        RoundBatch batch = work.batch();
        return InferenceResult.newBuilder()
                .setRequestId(request.getRequestId())
                .setTenantId(request.getTenantId())
                .setPromptTokens(admitted.getPromptTokenIds().size())
                .setMode(batch.getMode())
                .setBatchId(batch.getBatchId())
                .setBatchSize(batch.getBatchSize())
                .setPlan(batch.getPlan())
                .setPlacement(work.placement())
                .setLatency(
                        LatencyBreakdown.newBuilder()
                                .setQueueingMs(queueing)
                                .setBatchingMs(batching)
                                .setAdmissionMs(work.admissionMs())
                                .setDraftMs(work.draftMs())
                                .setVerifyMs(work.verifyMs())
                                .setRoundOverheadMs(work.roundOverheadMs())
                                .setLoopMs(loop)
                                .setTotalMs(total)
                                .build())
                .setCompletedTime(Instant.ofEpochMilli(completedMillis))
                .setDeadlineMs(request.getDeadlineMs())
                .setMetadata(request.getMetadata());
    }
}
