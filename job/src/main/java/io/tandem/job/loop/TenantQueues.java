package io.tandem.job.loop;

import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests a loop head holds until a batch has room for them: a first-come-first-served queue
 * per tenant (the request's {@code tenantId}), each bounded, and the tenants served in turn. A
 * tenant that sends a burst fills its own queue and is refused past its bound; another tenant's
 * request waits behind at most one turn of each busier tenant, not behind the whole burst.
 *
 * <p>A window is queued as one part per tenant, each part starting as a batch of its own (a
 * window's requests start together, as the uplink model needs) unless its requests join running
 * batches first, one at a time. A part keeps the window's id when it is the whole window, and gets
 * the window's id with its tenant's otherwise.
 *
 * <p>Not thread-safe: the loop head's task thread owns it. Checkpointed as its parts ({@link
 * #toWindows()}), so the head's state keeps the type it had when whole windows waited, and such a
 * state restores into queues.
 */
final class TenantQueues {

    /** A request taken from a queue, and when the window it came in closed. */
    record Waiting(AdmittedRequest request, Instant windowClosed) {}

    private final int maxPerTenant;
    // iteration order is the turn order: the tenant served next comes first
    private final LinkedHashMap<String, ArrayDeque<Batch>> queues = new LinkedHashMap<>();
    private final Map<String, Integer> sizes = new HashMap<>();
    private int size;

    /** Queues holding at most {@code maxPerTenant} requests each; 0 or less bounds nothing. */
    TenantQueues(int maxPerTenant) {
        this.maxPerTenant = maxPerTenant <= 0 ? Integer.MAX_VALUE : maxPerTenant;
    }

    /**
     * Queues {@code window}'s requests, each tenant's part behind that tenant's earlier ones;
     * returns the requests refused because their tenant's queue was full, in order.
     */
    List<AdmittedRequest> offer(Batch window) {
        List<AdmittedRequest> refused = new ArrayList<>();
        Map<String, List<AdmittedRequest>> parts = new LinkedHashMap<>();
        for (AdmittedRequest request : window.getRequests()) {
            String tenant = tenant(request);
            if (sizes.getOrDefault(tenant, 0) + partSize(parts, tenant) >= maxPerTenant) {
                refused.add(request);
            } else {
                parts.computeIfAbsent(tenant, t -> new ArrayList<>()).add(request);
            }
        }
        boolean whole = refused.isEmpty() && parts.size() == 1;
        parts.forEach(
                (tenant, requests) ->
                        add(
                                tenant,
                                Batch.newBuilder(window)
                                        .setBatchId(
                                                whole
                                                        ? window.getBatchId()
                                                        : window.getBatchId() + "/" + tenant)
                                        .setRequests(requests)
                                        .build()));
        return refused;
    }

    /** The request served next, or null if none waits. */
    AdmittedRequest peek() {
        return queues.isEmpty() ? null : next().getRequests().get(0);
    }

    /**
     * Takes the request served next out of its part, to join a running batch; its tenant goes to
     * the back of the turn.
     */
    Waiting pollRequest() {
        Batch part = next();
        List<AdmittedRequest> requests = part.getRequests();
        Waiting waiting = new Waiting(requests.get(0), part.getClosedTime());
        if (requests.size() == 1) {
            take();
        } else {
            part.setRequests(new ArrayList<>(requests.subList(1, requests.size())));
            shrink(tenant(waiting.request()), 1);
            rotate();
        }
        return waiting;
    }

    /** Takes the part served next, to start as a batch; its tenant goes to the back of the turn. */
    Batch pollWindow() {
        return take();
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Requests waiting, all tenants. */
    int size() {
        return size;
    }

    /** Every waiting part, in turn order, for the head's checkpoint. */
    List<Batch> toWindows() {
        List<Batch> windows = new ArrayList<>();
        queues.values().forEach(windows::addAll);
        return windows;
    }

    /**
     * Queues what a checkpoint held, bound or not: those requests were admitted before it. A window
     * from before waiting was per tenant is split into its tenants' parts.
     */
    void restore(Iterable<Batch> windows) {
        TenantQueues unbounded = new TenantQueues(0);
        for (Batch window : windows) {
            unbounded.offer(window);
        }
        unbounded.queues.forEach((tenant, parts) -> parts.forEach(part -> add(tenant, part)));
    }

    private Batch next() {
        return queues.values().iterator().next().peek();
    }

    /** Removes the next part whole, and moves its tenant to the back of the turn. */
    private Batch take() {
        Iterator<Map.Entry<String, ArrayDeque<Batch>>> turn = queues.entrySet().iterator();
        Map.Entry<String, ArrayDeque<Batch>> first = turn.next();
        Batch part = first.getValue().poll();
        turn.remove();
        if (!first.getValue().isEmpty()) {
            queues.put(first.getKey(), first.getValue());
        }
        shrink(first.getKey(), part.getRequests().size());
        return part;
    }

    /** Moves the first tenant to the back of the turn. */
    private void rotate() {
        Iterator<Map.Entry<String, ArrayDeque<Batch>>> turn = queues.entrySet().iterator();
        Map.Entry<String, ArrayDeque<Batch>> first = turn.next();
        turn.remove();
        queues.put(first.getKey(), first.getValue());
    }

    private void add(String tenant, Batch part) {
        queues.computeIfAbsent(tenant, t -> new ArrayDeque<>()).add(part);
        sizes.merge(tenant, part.getRequests().size(), Integer::sum);
        size += part.getRequests().size();
    }

    private void shrink(String tenant, int by) {
        sizes.merge(tenant, -by, Integer::sum);
        sizes.remove(tenant, 0);
        size -= by;
    }

    private static int partSize(Map<String, List<AdmittedRequest>> parts, String tenant) {
        List<AdmittedRequest> part = parts.get(tenant);
        return part == null ? 0 : part.size();
    }

    private static String tenant(AdmittedRequest request) {
        return request.getRequest().getTenantId();
    }
}
