package io.tandem.cli.replay;

import io.tandem.job.config.JobConfig;
import io.tandem.testkit.BundledModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/** Replays a trace against a running job, as {@code ./tandem replay --bootstrap} does. */
final class TraceReplays {

    private TraceReplays() {}

    /**
     * Replays {@code trace} to the job of {@code config}; with {@code stopEarly} set, stops once
     * two answers are in.
     */
    static ReplayReport replay(
            JobConfig config,
            Path trace,
            TraceFormat format,
            double speedup,
            AtomicBoolean stopEarly)
            throws Exception {
        ReplayRun run =
                new ReplayRun(
                        new ReplayReport.Setup(
                                trace, format, "test", null, speedup, Long.MAX_VALUE),
                        new PromptSynthesizer(
                                Files.readString(
                                        BundledModel.target()
                                                .resolveSibling("data/austen-heldout.txt"),
                                        StandardCharsets.US_ASCII),
                                512),
                        Duration.ofSeconds(60));
        return run.run(
                config.kafka(),
                (sent, answered) -> {
                    if (stopEarly.get() && answered >= 2) {
                        run.stop();
                    }
                });
    }
}
