package io.tandem.model.emulated;

import io.tandem.model.BatchLogits;
import io.tandem.model.ModelInfo;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionStats;
import io.tandem.model.SessionStore;
import io.tandem.model.SessionTokens;
import io.tandem.planner.cost.StepTime;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The KV sessions of an emulated model: they remember which tokens each request has cached, so a
 * call costs what the same call costs a real model's {@code SessionPool}, and otherwise compute
 * nothing. A call is priced like the pool runs it: sequences new to the store are prefilled in a
 * pass of their own (batch: the newcomers, prompt: the longest of them) when they join cached ones,
 * then one pass over all sequences computes the most new positions any of them has, over their mean
 * cached context. The worker waits that long on a {@link StageClock}; the logits then put all
 * weight on the token the {@link TokenStream} names.
 *
 * <p>Thread-safe: calls are serialised.
 */
final class EmulatedSessions implements SessionStore {

    /** A logit no temperature brings near the chosen token's 0: the distributions are one-hot. */
    private static final float NEVER = -1e4f;

    /** Which token follows absolute position {@code position} of {@code sequence}. */
    interface NextToken {
        int after(SessionTokens sequence, int position);
    }

    private final ModelInfo info;
    private final StepTime time;
    private final NextToken next;
    private final SessionLimits limits;
    private final LongSupplier nanoClock;
    private final StageClock clock;
    private final LinkedHashMap<String, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private long opened;
    private long rebuilt;
    private long evicted;

    private static final class Session {
        int[] tokens;
        long lastUsedNanos;
    }

    EmulatedSessions(
            ModelInfo info,
            StepTime time,
            NextToken next,
            SessionLimits limits,
            LongSupplier nanoClock,
            StageClock clock) {
        this.info = info;
        this.time = time;
        this.next = next;
        this.limits = limits;
        this.nanoClock = nanoClock;
        this.clock = clock;
    }

    @Override
    public synchronized BatchLogits forward(List<SessionTokens> sequences) {
        validate(sequences);
        long start = nanoClock.getAsLong();
        evictIdle(start);
        int count = sequences.size();
        int vocab = info.vocabSize();
        if (count == 0) {
            return new BatchLogits(new float[0], 0, vocab, new int[0], new int[0], new int[0]);
        }
        int columns = sequences.stream().mapToInt(SessionTokens::logits).max().orElseThrow();
        int[] kept = new int[count];
        int fresh = 0;
        int longestPrefix = 0;
        for (int i = 0; i < count; i++) {
            SessionTokens sequence = sequences.get(i);
            Session session = sessions.get(sequence.requestId());
            int computeFrom = sequence.length() - sequence.logits();
            if (session == null) {
                opened++;
                if (sequence.committed() > sequence.promptLength()) {
                    rebuilt++;
                }
                fresh++;
                longestPrefix = Math.max(longestPrefix, computeFrom);
                kept[i] = -1;
            } else {
                kept[i] = Math.min(commonPrefix(session.tokens, sequence), computeFrom);
            }
        }
        double millis = 0;
        // newcomers beside cached sequences (or asking for several logits) get a pass of their own
        boolean separately = fresh < count || columns > 1;
        if (fresh > 0 && separately && longestPrefix > 0) {
            millis += time.prefillMillis(fresh, longestPrefix);
        }
        int widest = 1;
        double context = 0;
        for (int i = 0; i < count; i++) {
            SessionTokens sequence = sequences.get(i);
            if (kept[i] < 0) {
                kept[i] = separately ? sequence.length() - sequence.logits() : 0;
            }
            widest = Math.max(widest, sequence.length() - kept[i]);
            context += kept[i];
        }
        millis += time.millis(count, widest, context / count);
        clock.spend(start, millis);

        float[] values = new float[count * columns * vocab];
        Arrays.fill(values, NEVER);
        int[] rows = new int[count];
        int[] lengths = new int[count];
        int[] wanted = new int[count];
        long now = nanoClock.getAsLong();
        for (int i = 0; i < count; i++) {
            SessionTokens sequence = sequences.get(i);
            int length = sequence.length();
            for (int position = length - sequence.logits(); position < length; position++) {
                int column = columns - (length - position);
                values[(i * columns + column) * vocab + next.after(sequence, position)] = 0;
            }
            rows[i] = i;
            lengths[i] = length;
            wanted[i] = sequence.logits();
            Session session = sessions.computeIfAbsent(sequence.requestId(), id -> new Session());
            session.tokens = sequence.tokens();
            session.lastUsedNanos = now;
        }
        enforceBound(sequences);
        return new BatchLogits(values, columns, vocab, rows, lengths, wanted);
    }

    @Override
    public synchronized boolean finish(String requestId) {
        return sessions.remove(requestId) != null;
    }

    @Override
    public synchronized int evictIdle() {
        return evictIdle(nanoClock.getAsLong());
    }

    @Override
    public synchronized SessionStats stats() {
        return new SessionStats(sessions.size(), 0, 0, opened, rebuilt, evicted, 0, 0);
    }

    @Override
    public synchronized void close() {
        sessions.clear();
    }

    private int evictIdle(long now) {
        long idle = limits.idleTimeout().toNanos();
        int before = sessions.size();
        sessions.values().removeIf(s -> now - s.lastUsedNanos > idle);
        int gone = before - sessions.size();
        evicted += gone;
        return gone;
    }

    /** Least recently used sessions beyond the session limit go, never those of this call. */
    private void enforceBound(List<SessionTokens> call) {
        if (sessions.size() <= limits.maxSessions()) {
            return;
        }
        Set<String> inCall = new HashSet<>();
        call.forEach(s -> inCall.add(s.requestId()));
        Iterator<Map.Entry<String, Session>> oldest = sessions.entrySet().iterator();
        while (sessions.size() > limits.maxSessions() && oldest.hasNext()) {
            if (!inCall.contains(oldest.next().getKey())) {
                oldest.remove();
                evicted++;
            }
        }
    }

    private static int commonPrefix(int[] cached, SessionTokens sequence) {
        int[] tokens = sequence.tokens();
        int n = Math.min(cached.length, tokens.length);
        int i = 0;
        while (i < n && cached[i] == tokens[i]) {
            i++;
        }
        return i;
    }

    private void validate(List<SessionTokens> sequences) {
        SessionTokens.checkCall(sequences, info.contextLength(), info.vocabSize());
    }
}
