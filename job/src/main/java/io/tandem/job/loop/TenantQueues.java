package io.tandem.job.loop;

import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests a loop head holds until a batch has room for them: a first-come-first-served queue
 * per tenant (the request's {@code tenantId}), each bounded, and the tenants served in turn. A
 * tenant that sends a burst fills its own queue and is refused past its bound; another tenant's
 * request waits behind at most one turn of each busier tenant, not behind the whole burst.
 *
 * <p>The queues also count each tenant's requests running (taken out, and not yet released by the
 * tail), and with a running bound skip a tenant at it: its requests wait while other tenants'
 * start. Turns alone decide who goes first; the running bound decides how much of the batches one
 * tenant may hold, which on compute-bound workers is what another tenant's rounds pay for.
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
    private final int maxRunningPerTenant;
    // iteration order is the turn order: the tenant served next comes first
    private final LinkedHashMap<String, ArrayDeque<Batch>> queues = new LinkedHashMap<>();
    private final Map<String, Integer> sizes = new HashMap<>();
    private int size;
    // request id to tenant, for the requests taken out and not yet released
    private final Map<String, String> runningIds = new HashMap<>();
    private final Map<String, Integer> running = new HashMap<>();

    /**
     * Queues holding at most {@code maxPerTenant} requests each, whose tenants run at most {@code
     * maxRunningPerTenant} requests at once; 0 or less bounds nothing.
     */
    TenantQueues(int maxPerTenant, int maxRunningPerTenant) {
        this.maxPerTenant = unbounded(maxPerTenant);
        this.maxRunningPerTenant = unbounded(maxRunningPerTenant);
    }

    private static int unbounded(int bound) {
        return bound <= 0 ? Integer.MAX_VALUE : bound;
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

    /**
     * The request served next, or null if none waits whose tenant has room to run another; taking
     * it with {@link #pollRequest()} or {@link #pollWindow()} counts it running.
     */
    AdmittedRequest peek() {
        String tenant = nextTenant();
        return tenant == null ? null : queues.get(tenant).peek().getRequests().get(0);
    }

    /**
     * Takes the request served next (the one {@link #peek()} returned) out of its part, to join a
     * running batch; its tenant goes to the back of the turn.
     */
    Waiting pollRequest() {
        String tenant = nextTenant();
        Batch part = queues.get(tenant).peek();
        List<AdmittedRequest> requests = part.getRequests();
        Waiting waiting = new Waiting(requests.get(0), part.getClosedTime());
        if (requests.size() == 1) {
            take(tenant);
        } else {
            part.setRequests(new ArrayList<>(requests.subList(1, requests.size())));
            shrink(tenant, 1);
            toBack(tenant);
        }
        run(waiting.request());
        return waiting;
    }

    /**
     * Takes the part served next (the one {@link #peek()} starts), to start as a batch, or as much
     * of it as its tenant has room to run (a part of its own, named after its first request, the
     * rest waiting on); its tenant goes to the back of the turn.
     */
    Batch pollWindow() {
        String tenant = nextTenant();
        Batch part = queues.get(tenant).peek();
        int room = maxRunningPerTenant - running.getOrDefault(tenant, 0);
        List<AdmittedRequest> requests = part.getRequests();
        Batch taken;
        if (requests.size() <= room) {
            taken = take(tenant);
        } else {
            taken =
                    Batch.newBuilder(part)
                            .setBatchId(
                                    part.getBatchId()
                                            + "~"
                                            + requests.get(0).getRequest().getRequestId())
                            .setRequests(new ArrayList<>(requests.subList(0, room)))
                            .build();
            part.setRequests(new ArrayList<>(requests.subList(room, requests.size())));
            shrink(tenant, room);
            toBack(tenant);
        }
        taken.getRequests().forEach(this::run);
        return taken;
    }

    /** Counts a request restored running from a checkpoint. */
    void restoreRunning(AdmittedRequest request) {
        run(request);
    }

    /** A request the tail released: its tenant has room for one more. */
    void released(String requestId) {
        String tenant = runningIds.remove(requestId);
        if (tenant != null) {
            running.merge(tenant, -1, Integer::sum);
            running.remove(tenant, 0);
        }
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
        TenantQueues unbounded = new TenantQueues(0, 0);
        for (Batch window : windows) {
            unbounded.offer(window);
        }
        unbounded.queues.forEach((tenant, parts) -> parts.forEach(part -> add(tenant, part)));
    }

    /** The first tenant in turn with room to run another request, or null. */
    private String nextTenant() {
        for (String tenant : queues.keySet()) {
            if (running.getOrDefault(tenant, 0) < maxRunningPerTenant) {
                return tenant;
            }
        }
        return null;
    }

    /** Removes {@code tenant}'s next part whole, and moves the tenant to the back of the turn. */
    private Batch take(String tenant) {
        ArrayDeque<Batch> parts = queues.get(tenant);
        Batch part = parts.poll();
        if (parts.isEmpty()) {
            queues.remove(tenant);
        } else {
            toBack(tenant);
        }
        shrink(tenant, part.getRequests().size());
        return part;
    }

    private void toBack(String tenant) {
        queues.put(tenant, queues.remove(tenant));
    }

    private void run(AdmittedRequest request) {
        String tenant = tenant(request);
        runningIds.put(request.getRequest().getRequestId(), tenant);
        running.merge(tenant, 1, Integer::sum);
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
