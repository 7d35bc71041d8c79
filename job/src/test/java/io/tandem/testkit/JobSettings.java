package io.tandem.testkit;

import java.util.HashMap;
import java.util.Map;

/** Job settings for integration tests. */
public final class JobSettings {

    private JobSettings() {}

    /**
     * The tiny model in mode ad on {@code bootstrapServers}, with topics and a consumer group named
     * after {@code name}, so tests never read each other's records; two partitions, parallelism 2,
     * no checkpoints. Mutable, for the test's own settings.
     */
    public static Map<String, String> isolated(String bootstrapServers, String name) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tandem.kafka.bootstrap-servers", bootstrapServers);
        settings.put("tandem.kafka.requests-topic", name + "-requests");
        settings.put("tandem.kafka.results-topic", name + "-results");
        settings.put("tandem.kafka.dead-letter-topic", name + "-dead-letters");
        settings.put("tandem.kafka.group-id", name);
        settings.put("tandem.kafka.topic-partitions", "2");
        settings.put("tandem.model.dir", BundledModel.tiny().toString());
        settings.put("tandem.mode", "ad");
        settings.put("tandem.parallelism", "2");
        settings.put("tandem.checkpoint.interval", "0 ms");
        return settings;
    }
}
