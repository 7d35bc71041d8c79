package io.tandem.testkit;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** The Flink clusters integration tests run on. */
public final class MiniClusters {

    private MiniClusters() {}

    /** Two TaskManagers with one slot each, so a parallelism-2 job spans both. */
    public static MiniClusterExtension twoTaskManagers() {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(2)
                        .setNumberSlotsPerTaskManager(1)
                        .build());
    }
}
