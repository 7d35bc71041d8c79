package io.tandem.testkit;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/** Reads the placement of a job's vertices, as {@code StandaloneCluster.placement} reports it. */
public final class Placement {

    private Placement() {}

    /**
     * The TaskManagers of the vertex whose chain contains {@code operator}. Flink names a chain
     * {@code a -> b}, a fork in it {@code a -> (b, c -> d)}, and a sink's operators {@code sink:
     * Writer}.
     */
    public static Set<String> vertexOn(Map<String, Set<String>> placement, String operator) {
        return placement.entrySet().stream()
                .filter(e -> chains(e.getKey(), operator))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElseThrow(() -> new AssertionError(operator + " not in " + placement));
    }

    private static boolean chains(String vertex, String operator) {
        return Arrays.stream(vertex.split(" -> |, |[()]"))
                .map(String::strip)
                .anyMatch(name -> name.equals(operator) || name.startsWith(operator + ": "));
    }
}
