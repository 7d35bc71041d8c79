package io.tandem.model.train;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The outcome of a training run, also written to {@code training.json}. Losses are mean
 * cross-entropy in nats per token; tokens are UTF-8 bytes plus one end-of-text token per paragraph,
 * so this is (very nearly) nats per byte. Immutable.
 *
 * @param outputDir the written model directory
 * @param parameters number of model parameters
 * @param steps optimizer steps taken
 * @param tokensSeen training tokens processed ({@code steps * batchSize * contextLength})
 * @param trainLoss mean training loss over the last logging interval
 * @param heldOutLoss loss on the whole held-out text after the last step
 * @param wallTime from start to the written model
 */
public record TrainingReport(
        Path outputDir,
        long parameters,
        int steps,
        long tokensSeen,
        double trainLoss,
        double heldOutLoss,
        Duration wallTime) {}
