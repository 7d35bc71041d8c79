package io.tandem.testkit;

import io.tandem.job.TandemJob;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** The Flink clusters integration tests run on. */
public final class MiniClusters {

    private MiniClusters() {}

    /**
     * Two TaskManagers with a slot per slot sharing group each, so a parallelism-2 job spans both.
     */
    public static MiniClusterExtension twoTaskManagers() {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(2)
                        .setNumberSlotsPerTaskManager(TandemJob.SLOT_SHARING_GROUPS)
                        .build());
    }
}
