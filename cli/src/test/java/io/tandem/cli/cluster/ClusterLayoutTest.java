package io.tandem.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterLayoutTest {

    private static double cpu(Map<String, String> settings, String group) {
        return Double.parseDouble(settings.get("tandem." + group + ".cpu-cores"));
    }

    private static int heapMb(Map<String, String> settings, String group) {
        return Integer.parseInt(settings.get("tandem." + group + ".task-heap").replace(" mb", ""));
    }

    /**
     * Whether {@code count} slots of a group (and {@code ingest} ingest slots) fit a TaskManager.
     */
    private static boolean fits(
            Map<String, String> s, String group, int count, int ingest, double cpu, int heap) {
        return count * cpu(s, group) + ingest * cpu(s, "ingest") <= cpu + 1e-9
                && count * heapMb(s, group) + ingest * heapMb(s, "ingest") <= heap;
    }

    @Test
    void eachGroupFitsOnlyWhereItBelongsAndOncePerTaskManager() {
        for (int d : new int[] {60, 96, 160, 300, 1000}) {
            ClusterLayout layout = new ClusterLayout(8, 8, d);
            Map<String, String> s = layout.jobSettings();
            double draftCpu = ClusterLayout.DRAFT_TM_CPU;
            double verifyCpu = ClusterLayout.VERIFY_TM_CPU;
            int verifyHeap = layout.verifyHeapMb();
            assertThat(fits(s, "draft", 1, 2, draftCpu, d)).as("draft on draft, D=%d", d).isTrue();
            assertThat(fits(s, "draft", 2, 0, draftCpu, d)).isFalse();
            assertThat(fits(s, "draft", 1, 0, verifyCpu, verifyHeap)).isFalse();
            assertThat(fits(s, "verify", 1, 2, verifyCpu, verifyHeap)).as("D=%d", d).isTrue();
            assertThat(fits(s, "verify", 2, 0, verifyCpu, verifyHeap)).isFalse();
            assertThat(fits(s, "verify", 1, 0, draftCpu, d)).isFalse();
        }
    }

    @Test
    void runsOneLoopPerPairOfTaskManagers() {
        assertThat(new ClusterLayout(8, 8, 96).jobSettings())
                .containsEntry("tandem.parallelism", "8");
        assertThat(new ClusterLayout(2, 4, 96).parallelism()).isEqualTo(2);
        assertThatThrownBy(() -> new ClusterLayout(0, 1, 96)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new ClusterLayout(1, 1, 40)).hasMessageContaining("task heap");
    }
}
