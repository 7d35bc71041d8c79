package io.tandem.job.loop;

import io.tandem.job.operators.RawRecord;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.SequenceState;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The request ids a loop head is serving: admitted, waiting or in a batch, and not yet back from
 * the tail finished. A request whose id is among them is a duplicate: it is refused with a {@link
 * DeadLetterCode#BAD_PARAMETER} dead letter on field {@code requestId} (a code of its own would
 * break dead-letter readers that decode with an older schema), and the request already being served
 * goes on unharmed. Serving both would put two sequences under one id, and the model stages key
 * their KV sessions by it (a call holding both would fail for every batch in it). Lanes are chosen
 * by request id, so every copy of an id reaches the same head. An id whose request has finished may
 * be used again; its new result follows the old one on the results topic, keyed by the same id.
 *
 * <p>Not thread-safe: the loop head's task thread owns it. Rebuilt from the head's state on
 * restore, so it is never checkpointed itself.
 */
final class RequestsInFlight {

    private final Set<String> ids = new HashSet<>();

    /** Counts the requests of restored batches and waiting windows. */
    void restore(Iterable<RoundBatch> batches, Iterable<Batch> windows) {
        for (RoundBatch batch : batches) {
            batch.getSequences().forEach(s -> ids.add(requestId(s)));
        }
        for (Batch window : windows) {
            window.getRequests().forEach(r -> ids.add(r.getRequest().getRequestId()));
        }
    }

    /**
     * Takes {@code window}'s requests in; hands each whose id is already served (or appears earlier
     * in the window) to {@code duplicate}, and returns the window without them, or null if none is
     * left.
     */
    Batch admit(Batch window, Consumer<AdmittedRequest> duplicate) {
        List<AdmittedRequest> fresh = new ArrayList<>(window.getRequests().size());
        for (AdmittedRequest request : window.getRequests()) {
            if (ids.add(request.getRequest().getRequestId())) {
                fresh.add(request);
            } else {
                duplicate.accept(request);
            }
        }
        if (fresh.isEmpty()) {
            return null;
        }
        if (fresh.size() < window.getRequests().size()) {
            window.setRequests(fresh);
        }
        return window;
    }

    /**
     * Forgets the requests a round came back without: the ids the tail released, which the model
     * stages free their sessions by too.
     */
    void finished(RoundBatch verified) {
        verified.getReleased().forEach(ids::remove);
    }

    /** Forgets a request the head took in and then refused. */
    void forget(String requestId) {
        ids.remove(requestId);
    }

    /** The dead letter for {@code request}, refused as a duplicate at {@code nowMillis}. */
    static DeadLetter deadLetter(AdmittedRequest request, long nowMillis) {
        String id = request.getRequest().getRequestId();
        return refusal(
                request,
                DeadLetterCode.BAD_PARAMETER,
                "requestId",
                "Request id '"
                        + id
                        + "' is already being served: ids must be unique among the requests in"
                        + " flight. The first request with this id is answered; send this one"
                        + " again with a new id, or after that answer.",
                nowMillis);
    }

    /**
     * The dead letter for {@code request}, refused at {@code nowMillis} because its tenant already
     * had {@code bound} requests waiting.
     */
    static DeadLetter overloaded(AdmittedRequest request, int bound, long nowMillis) {
        return refusal(
                request,
                DeadLetterCode.OVERLOADED,
                "tenantId",
                "Tenant '"
                        + request.getRequest().getTenantId()
                        + "' already has "
                        + bound
                        + " requests waiting (tandem.generate.max-waiting-per-tenant); send this"
                        + " one again later, more slowly, or raise the bound.",
                nowMillis);
    }

    private static DeadLetter refusal(
            AdmittedRequest request,
            DeadLetterCode code,
            String field,
            String reason,
            long nowMillis) {
        InferenceRequest inference = request.getRequest();
        RawRecord.Position position = RawRecord.Position.of(request.getSource());
        return DeadLetter.newBuilder()
                // the request as its producer sent it, in this job's schema
                .setOriginalBytes(ByteBuffer.wrap(AvroBytes.encode(inference)))
                .setTopic(position.topic())
                .setPartition(position.partition())
                .setOffset(position.offset())
                .setErrorCode(code)
                .setField(field)
                .setReason(reason)
                .setRequestId(inference.getRequestId())
                .setTime(Instant.ofEpochMilli(nowMillis))
                .build();
    }

    private static String requestId(SequenceState sequence) {
        return sequence.getAdmitted().getRequest().getRequestId();
    }
}
