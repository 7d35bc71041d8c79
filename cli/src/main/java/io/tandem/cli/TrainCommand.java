package io.tandem.cli;

import io.tandem.model.train.Trainer;
import io.tandem.model.train.TrainingOptions;
import io.tandem.model.train.TrainingReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Trains a byte-level causal LM on Jane Austen's novels and writes it as a Hugging Face-style model
 * directory. The presets are the settings of the bundled models (the target then continued with
 * {@code --init-from}, see its README). Training is seeded: a run repeats exactly on the same
 * machine with the same PyTorch thread count.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train a byte-level GPT-2 on Jane Austen's novels (Debian's r-cran-janeaustenr).",
            "Get the corpus once, without installing R:",
            "  cd /tmp && apt-get download r-cran-janeaustenr && dpkg-deb -x"
                    + " r-cran-janeaustenr_*.deb janeaustenr",
            "then pass --corpus /tmp/janeaustenr/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb"
        })
public final class TrainCommand implements Callable<Integer> {

    /** The bundled models' settings. */
    enum Preset {
        tiny(2, 128, 4, 256, 16, 2e-3, 3000, 100),
        draft(1, 128, 4, 512, 8, 2e-3, 3000, 100),
        target(6, 256, 8, 512, 8, 2e-3, 1500, 100);

        final int layers;
        final int width;
        final int heads;
        final int context;
        final int batchSize;
        final double learningRate;
        final int steps;
        final int warmupSteps;

        Preset(
                int layers,
                int width,
                int heads,
                int context,
                int batchSize,
                double learningRate,
                int steps,
                int warmupSteps) {
            this.layers = layers;
            this.width = width;
            this.heads = heads;
            this.context = context;
            this.batchSize = batchSize;
            this.learningRate = learningRate;
            this.steps = steps;
            this.warmupSteps = warmupSteps;
        }
    }

    @Option(
            names = "--corpus",
            required = true,
            paramLabel = "RDATA",
            description = "janeaustenr's data/Rdata.rdb (see above).")
    Path corpus;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Model directory to write.")
    Path out;

    @Option(
            names = "--preset",
            paramLabel = "NAME",
            defaultValue = "tiny",
            description =
                    "Settings to start from: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Preset preset;

    @Option(names = "--layers", paramLabel = "N", description = "Transformer blocks.")
    Integer layers;

    @Option(names = "--width", paramLabel = "N", description = "Hidden size.")
    Integer width;

    @Option(names = "--heads", paramLabel = "N", description = "Attention heads.")
    Integer heads;

    @Option(
            names = "--context",
            paramLabel = "N",
            description = "Context length (training window).")
    Integer context;

    @Option(names = "--batch-size", paramLabel = "N", description = "Windows per step.")
    Integer batchSize;

    @Option(
            names = "--lr",
            paramLabel = "RATE",
            description = "Peak learning rate (warm-up, then cosine decay).")
    Double learningRate;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps.")
    Integer steps;

    @Option(names = "--warmup", paramLabel = "N", description = "Warm-up steps.")
    Integer warmupSteps;

    @Option(
            names = "--time-budget",
            paramLabel = "DURATION",
            description = "Stop early after this long, ISO-8601 (e.g. PT30M).")
    Duration timeBudget;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Seed of initialisation and data order.")
    Long seed;

    @Option(
            names = "--init-from",
            paramLabel = "DIR",
            description = "Continue training the model in DIR (same shape) with a fresh schedule.")
    Path initFrom;

    @Option(
            names = "--log-every",
            paramLabel = "N",
            defaultValue = "100",
            description = "Steps between progress lines (default: ${DEFAULT-VALUE}).")
    int logEvery;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(corpus)) {
            System.err.println(
                    "No corpus at " + corpus + "; see ./tandem train --help for how to get it.");
            return 2;
        }
        TrainingOptions.Builder options =
                TrainingOptions.builder()
                        .setCorpus(corpus)
                        .setOutputDir(out)
                        .optLayers(or(layers, preset.layers))
                        .optWidth(or(width, preset.width))
                        .optHeads(or(heads, preset.heads))
                        .optContextLength(or(context, preset.context))
                        .optBatchSize(or(batchSize, preset.batchSize))
                        .optLearningRate(learningRate != null ? learningRate : preset.learningRate)
                        .optSteps(or(steps, preset.steps))
                        .optWarmupSteps(or(warmupSteps, preset.warmupSteps))
                        .optLogEvery(logEvery);
        if (timeBudget != null) {
            options.optTimeBudget(timeBudget);
        }
        if (seed != null) {
            options.optSeed(seed);
        }
        if (initFrom != null) {
            options.optInitialWeights(initFrom);
        }
        TrainingReport report = Trainer.train(options.build());
        System.out.printf(
                "Wrote %s: %d parameters, %d steps, %d tokens, train loss %.4f, held-out loss %.4f"
                        + " nats/token, %s%n",
                report.outputDir(),
                report.parameters(),
                report.steps(),
                report.tokensSeen(),
                report.trainLoss(),
                report.heldOutLoss(),
                report.wallTime());
        return 0;
    }

    private static int or(Integer value, int fallback) {
        return value != null ? value : fallback;
    }
}
