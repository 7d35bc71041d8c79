package io.tandem.cli.cluster;

import io.tandem.job.config.TandemOptions;
import io.tandem.local.StandaloneCluster;
import io.tandem.udfs.ModelEngine;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The TaskManagers of a cluster with {@code draft} small and {@code verify} big TaskManagers, and
 * the slot resources a job asks for there so that Flink's fine-grained slot manager can only put
 * each group where it belongs, one per TaskManager:
 *
 * <pre>
 *                 cpu    task heap
 * draft TM        1.0    D
 * verify TM       0.5    2 D
 * draft group     0.75   D / 3       on a draft TM only (0.75 &gt; 0.5), one per draft TM (2 × 0.75 &gt; 1)
 * verify group    0.25   4 D / 3     on a verify TM only (4 D / 3 &gt; D), one per verify TM (8 D / 3 &gt; 2 D)
 * ingest group    0.1    20 MB       beside either, twice (0.75 + 0.2 ≤ 1; 4 D / 3 + 40 MB ≤ 2 D)
 * </pre>
 *
 * <p>The slot manager takes the first TaskManager with room, without planning ahead, so ingest
 * slots are small enough never to take the room a draft or verify group needs. The declared CPU is
 * a placement token, not a limit: a TaskManager uses the cores the machine gives it.
 *
 * @param draft draft TaskManagers, at least 1
 * @param verify verify TaskManagers, at least 1
 * @param draftHeapMb task heap of a draft TaskManager, D; a verify TaskManager has twice as much
 */
public record ClusterLayout(int draft, int verify, int draftHeapMb) {

    public static final double DRAFT_TM_CPU = 1.0;
    public static final double VERIFY_TM_CPU = 0.5;
    static final int INGEST_HEAP_MB = 20;

    /** Slots per TaskManager: under fine-grained resources only the size of a default slot. */
    private static final int SLOTS = 4;

    public ClusterLayout {
        if (draft < 1 || verify < 1) {
            throw new IllegalArgumentException(
                    "a cluster needs at least one draft and one verify TaskManager");
        }
        if (draftHeapMb < 3 * INGEST_HEAP_MB) {
            throw new IllegalArgumentException(
                    "a draft TaskManager needs at least " + 3 * INGEST_HEAP_MB + " MB task heap");
        }
    }

    public int verifyHeapMb() {
        return 2 * draftHeapMb;
    }

    /** One loop per draft/verify pair of TaskManagers. */
    public int parallelism() {
        return Math.min(draft, verify);
    }

    public String draftId(int i) {
        return "draft-" + (i + 1);
    }

    public String verifyId(int i) {
        return "verify-" + (i + 1);
    }

    /** Adds this layout's TaskManagers to {@code builder}; returns it. */
    public StandaloneCluster.Builder taskManagers(StandaloneCluster.Builder builder) {
        for (int i = 0; i < draft; i++) {
            builder.taskManager(draftId(i), DRAFT_TM_CPU, draftHeapMb, SLOTS);
        }
        for (int i = 0; i < verify; i++) {
            builder.taskManager(verifyId(i), VERIFY_TM_CPU, verifyHeapMb(), SLOTS);
        }
        return builder;
    }

    /**
     * The settings a job on this cluster starts from; with an {@code emulated} stage profile (not
     * null), model stages emulated from it.
     */
    public Map<String, String> jobSettings(Path emulated) {
        Map<String, String> settings = jobSettings();
        if (emulated != null) {
            settings.put(TandemOptions.MODEL_ENGINE.key(), ModelEngine.EMULATED);
            settings.put(TandemOptions.MODEL_PROFILE.key(), emulated.toAbsolutePath().toString());
        }
        return settings;
    }

    /** The settings a job on this cluster starts from. */
    public Map<String, String> jobSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(TandemOptions.PARALLELISM.key(), String.valueOf(parallelism()));
        settings.put(TandemOptions.INGEST_CPU_CORES.key(), "0.1");
        settings.put(TandemOptions.INGEST_TASK_HEAP.key(), INGEST_HEAP_MB + " mb");
        settings.put(TandemOptions.DRAFT_CPU_CORES.key(), "0.75");
        settings.put(TandemOptions.DRAFT_TASK_HEAP.key(), draftHeapMb / 3 + " mb");
        settings.put(TandemOptions.VERIFY_CPU_CORES.key(), "0.25");
        settings.put(TandemOptions.VERIFY_TASK_HEAP.key(), 4 * draftHeapMb / 3 + " mb");
        return settings;
    }
}
