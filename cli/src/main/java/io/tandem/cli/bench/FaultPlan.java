package io.tandem.cli.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * When the faults of {@code ./tandem bench faults} strike: each kind once, in an order and at
 * moments drawn from a seed. The run after its first tenth is cut into one slot per fault; each
 * fault strikes in its slot early enough to leave {@code gapSeconds} before the next slot, so the
 * job has recovered from one fault before the next (a slot shorter than the gap puts its fault at
 * the slot's start).
 *
 * @param faults in the order they strike
 */
public record FaultPlan(List<Fault> faults) {

    /** What goes wrong. */
    public enum Kind {
        KILL_DRAFT_TASK_MANAGER("draft TaskManager killed (SIGKILL), restarted by its supervisor"),
        KILL_VERIFY_TASK_MANAGER(
                "verify TaskManager killed (SIGKILL), restarted by its supervisor"),
        BROKER_RESTART("Kafka broker stopped, started again"),
        BURST("a burst at 10x the rate");

        public final String description;

        Kind(String description) {
            this.description = description;
        }

        public String label() {
            return name().toLowerCase().replace('_', '-');
        }

        public boolean killsTaskManager() {
            return this == KILL_DRAFT_TASK_MANAGER || this == KILL_VERIFY_TASK_MANAGER;
        }
    }

    /** One fault, {@code atSeconds} after the run's first request. */
    public record Fault(Kind kind, double atSeconds) {}

    public FaultPlan {
        faults = List.copyOf(faults);
    }

    /** A fault of every kind within a run of {@code runSeconds}. */
    public static FaultPlan of(long seed, double runSeconds, double gapSeconds) {
        if (!(runSeconds > 0) || gapSeconds < 0) {
            throw new IllegalArgumentException(
                    "need runSeconds > 0 and gapSeconds >= 0, got "
                            + runSeconds
                            + " and "
                            + gapSeconds);
        }
        Random random = new Random(seed);
        List<Kind> kinds = new ArrayList<>(List.of(Kind.values()));
        Collections.shuffle(kinds, random);
        double start = runSeconds / 10;
        double slot = (runSeconds - start) / kinds.size();
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            double room = Math.max(0, slot - gapSeconds);
            faults.add(new Fault(kinds.get(i), start + i * slot + random.nextDouble() * room));
        }
        return new FaultPlan(faults);
    }
}
