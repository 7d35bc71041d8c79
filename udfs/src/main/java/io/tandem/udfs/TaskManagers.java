package io.tandem.udfs;

import org.apache.flink.api.common.functions.RuntimeContext;

/** Identifies the TaskManager a function runs on, for the placement recorded in results. */
public final class TaskManagers {

    private TaskManagers() {}

    /**
     * The TaskManager's resource id (as in the Flink UI and REST API), or its host when the metric
     * scope does not carry one.
     */
    public static String idOf(RuntimeContext context) {
        var variables = context.getMetricGroup().getAllVariables();
        String id = variables.get("<tm_id>");
        return id != null ? id : variables.getOrDefault("<host>", "unknown");
    }
}
