package io.tandem.job.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.testkit.Requests;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The loop head's waiting requests: a bounded queue per tenant, tenants in turn. */
class TenantQueuesTest {

    @Test
    void aWindowQueuesAsOnePartPerTenantAndTheTenantsTakeTurns() {
        TenantQueues queues = new TenantQueues(0, 0);
        queues.offer(window("w-1", "a:1", "a:2", "b:3"));
        queues.offer(window("w-2", "a:4"));
        queues.offer(window("w-3", "c:5"));

        List<String> parts = new ArrayList<>();
        while (!queues.isEmpty()) {
            parts.add(queues.pollWindow().getBatchId());
        }
        // a whole window keeps its id; a window split by tenant gives each part its tenant
        assertThat(parts).containsExactly("w-1/a", "w-1/b", "w-3", "w-2");
    }

    @Test
    void aTenantPastItsBoundIsRefusedUntilItsQueueHasRoomAgain() {
        TenantQueues queues = new TenantQueues(2, 0);

        assertThat(ids(queues.offer(window("w-1", "a:1", "a:2", "a:3", "b:4"))))
                .containsExactly("3");
        assertThat(queues.size()).isEqualTo(3);
        assertThat(queues.pollRequest().request().getRequest().getRequestId()).isEqualTo("1");
        // one of a's left: room for one more
        assertThat(ids(queues.offer(window("w-2", "a:5", "a:6")))).containsExactly("6");
    }

    @Test
    void joiningTakesOneRequestAndPassesTheTurn() {
        TenantQueues queues = new TenantQueues(0, 0);
        queues.offer(window("w-1", "a:1", "a:2"));
        queues.offer(window("w-2", "b:3"));

        assertThat(queues.peek().getRequest().getRequestId()).isEqualTo("1");
        assertThat(queues.pollRequest().request().getRequest().getRequestId()).isEqualTo("1");
        assertThat(queues.pollRequest().request().getRequest().getRequestId()).isEqualTo("3");
        assertThat(queues.pollWindow().getRequests())
                .extracting(r -> r.getRequest().getRequestId())
                .containsExactly("2");
        assertThat(queues.isEmpty()).isTrue();
    }

    @Test
    void aTenantAtItsRunningBoundIsPassedOverUntilOneOfItsRequestsIsReleased() {
        TenantQueues queues = new TenantQueues(0, 2);
        queues.offer(window("w-1", "a:1", "a:2", "a:3"));
        queues.offer(window("w-2", "b:4"));

        // as much of a's part as a may run starts, named after its first request
        Batch started = queues.pollWindow();
        assertThat(started.getBatchId()).isEqualTo("w-1~1");
        assertThat(ids(started.getRequests())).containsExactly("1", "2");
        // a is at its bound: b is next, then nobody
        assertThat(queues.peek().getRequest().getRequestId()).isEqualTo("4");
        assertThat(queues.pollRequest().request().getRequest().getRequestId()).isEqualTo("4");
        assertThat(queues.peek()).isNull();
        assertThat(queues.size()).isEqualTo(1);

        queues.released("1");
        assertThat(queues.pollWindow().getBatchId()).isEqualTo("w-1");
        assertThat(queues.isEmpty()).isTrue();
    }

    @Test
    void requestsRestoredRunningCountAgainstTheirTenantsBound() {
        TenantQueues queues = new TenantQueues(0, 1);
        Batch running = window("w-0", "a:0");
        queues.restoreRunning(running.getRequests().get(0));
        queues.offer(window("w-1", "a:1"));

        assertThat(queues.peek()).isNull();
        queues.released("0");
        assertThat(queues.peek().getRequest().getRequestId()).isEqualTo("1");
    }

    @Test
    void aCheckpointRestoresTheSamePartsAndAWindowOfSeveralTenantsIsSplit() {
        TenantQueues before = new TenantQueues(1, 0);
        before.offer(window("w-1", "a:1"));
        before.offer(window("w-2", "b:2"));
        List<Batch> checkpoint = new ArrayList<>(before.toWindows());
        // and a window as a head checkpointed it before it queued per tenant, over its bound
        checkpoint.add(window("w-3", "a:3", "c:4"));

        TenantQueues after = new TenantQueues(1, 0);
        after.restore(checkpoint);

        assertThat(after.size()).isEqualTo(4);
        List<String> parts = new ArrayList<>();
        while (!after.isEmpty()) {
            parts.add(after.pollWindow().getBatchId());
        }
        assertThat(parts).containsExactly("w-1", "w-2", "w-3/c", "w-3/a");
    }

    private static List<String> ids(List<AdmittedRequest> requests) {
        return requests.stream().map(r -> r.getRequest().getRequestId()).toList();
    }

    /** A window of requests written {@code tenant:id}. */
    private static Batch window(String id, String... requests) {
        List<AdmittedRequest> admitted = new ArrayList<>();
        for (String request : requests) {
            String[] parts = request.split(":");
            InferenceRequest inference =
                    InferenceRequest.newBuilder(Requests.greedy(parts[1], "Emma", 8))
                            .setTenantId(parts[0])
                            .build();
            admitted.add(
                    AdmittedRequest.newBuilder()
                            .setRequest(inference)
                            .setPromptTokenIds(List.of(69, 109, 109, 97))
                            .setArrivalTime(Instant.now())
                            .setSource("requests-0@" + parts[1])
                            .build());
        }
        return Batch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.now())
                .setRequests(admitted)
                .build();
    }
}
