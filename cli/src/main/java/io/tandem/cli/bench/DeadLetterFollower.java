package io.tandem.cli.bench;

import io.tandem.job.config.JobConfig;
import io.tandem.local.TopicFollower;
import io.tandem.local.TopicReader;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.DeadLetter;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** Follows a run's dead-letter topic from its start, for benchmarks that count what it holds. */
final class DeadLetterFollower {

    private DeadLetterFollower() {}

    /** Starts handing each dead letter of {@code config}'s topic to {@code onLetter}. */
    static TopicFollower start(JobConfig config, String tag, Consumer<DeadLetter> onLetter) {
        TopicFollower follower =
                new TopicFollower(
                        TopicReader.open(
                                config.kafka().clientProperties("bench-dead-letters"),
                                List.of(config.kafka().deadLetterTopic()),
                                true,
                                Duration.ofSeconds(30)),
                        "bench-dead-letters-" + tag,
                        record ->
                                onLetter.accept(AvroBytes.decode(record.value(), DeadLetter.class)),
                        failure -> {});
        follower.start();
        return follower;
    }
}
