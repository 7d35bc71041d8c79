package io.tandem.model.train;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one training run of a byte-level GPT-2 on the Austen corpus. Build with {@link
 * #builder()}: the corpus and output directory are required, everything else defaults to the
 * settings of the bundled {@code austen-tiny} model. Immutable.
 *
 * @param layers transformer blocks
 * @param width hidden size, a multiple of {@code heads}
 * @param heads attention heads
 * @param contextLength training window and the model's maximum sequence length
 * @param batchSize windows per step
 * @param learningRate peak AdamW learning rate, reached after {@code warmupSteps} and decayed along
 *     a cosine to a tenth of it at {@code steps}
 * @param warmupSteps linear warm-up steps, fewer than {@code steps}
 * @param weightDecay decoupled AdamW weight decay
 * @param steps optimizer steps (the learning-rate schedule's length)
 * @param timeBudget stop early once training has run this long; {@code null} for no limit (then the
 *     run is reproducible step for step)
 * @param seed seeds initialisation and the order of training windows
 * @param corpus the {@code Rdata.rdb} of r-cran-janeaustenr
 * @param heldOutFraction share of {@link AustenCorpus#HELD_OUT_NOVEL}'s paragraphs held out
 * @param outputDir where the model directory is written
 * @param initialWeights a model directory of the same architecture to start from, or null to start
 *     from random weights
 * @param logEvery steps between progress lines (with a held-out evaluation)
 */
public record TrainingOptions(
        int layers,
        int width,
        int heads,
        int contextLength,
        int batchSize,
        double learningRate,
        int warmupSteps,
        double weightDecay,
        int steps,
        Duration timeBudget,
        long seed,
        Path corpus,
        double heldOutFraction,
        Path outputDir,
        Path initialWeights,
        int logEvery) {

    public TrainingOptions {
        Objects.requireNonNull(corpus, "corpus");
        Objects.requireNonNull(outputDir, "outputDir");
        positive("layers", layers);
        positive("width", width);
        positive("heads", heads);
        positive("contextLength", contextLength);
        positive("batchSize", batchSize);
        positive("steps", steps);
        positive("logEvery", logEvery);
        if (width % heads != 0) {
            throw new IllegalArgumentException(
                    "width " + width + " must be a multiple of heads " + heads);
        }
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learningRate must be > 0, got " + learningRate);
        }
        if (warmupSteps < 0 || warmupSteps >= steps) {
            throw new IllegalArgumentException(
                    "warmupSteps must be in [0, steps), got "
                            + warmupSteps
                            + " with "
                            + steps
                            + " steps");
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weightDecay must be >= 0, got " + weightDecay);
        }
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new IllegalArgumentException("timeBudget must be positive, got " + timeBudget);
        }
        if (!(heldOutFraction > 0 && heldOutFraction < 1)) {
            throw new IllegalArgumentException(
                    "heldOutFraction must be in (0, 1), got " + heldOutFraction);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private static void positive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }

    /**
     * Builds {@link TrainingOptions}; {@code set*} for required values, {@code opt*} for the rest.
     */
    public static final class Builder {
        private int layers = 2;
        private int width = 128;
        private int heads = 4;
        private int contextLength = 256;
        private int batchSize = 16;
        private double learningRate = 2e-3;
        private int warmupSteps = 100;
        private double weightDecay = 0.01;
        private int steps = 3000;
        private Duration timeBudget;
        private long seed = 20240611L;
        private Path corpus;
        private double heldOutFraction = 0.1;
        private Path outputDir;
        private Path initialWeights;
        private int logEvery = 250;

        private Builder() {}

        public Builder setCorpus(Path corpus) {
            this.corpus = corpus;
            return this;
        }

        public Builder setOutputDir(Path outputDir) {
            this.outputDir = outputDir;
            return this;
        }

        public Builder optLayers(int layers) {
            this.layers = layers;
            return this;
        }

        public Builder optWidth(int width) {
            this.width = width;
            return this;
        }

        public Builder optHeads(int heads) {
            this.heads = heads;
            return this;
        }

        public Builder optContextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optWarmupSteps(int warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optSteps(int steps) {
            this.steps = steps;
            return this;
        }

        public Builder optTimeBudget(Duration timeBudget) {
            this.timeBudget = timeBudget;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optHeldOutFraction(double heldOutFraction) {
            this.heldOutFraction = heldOutFraction;
            return this;
        }

        /** Starts from the weights in {@code modelDir} instead of random ones. */
        public Builder optInitialWeights(Path modelDir) {
            this.initialWeights = modelDir;
            return this;
        }

        public Builder optLogEvery(int logEvery) {
            this.logEvery = logEvery;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the first invalid or missing setting
         */
        public TrainingOptions build() {
            if (corpus == null) {
                throw new IllegalArgumentException("corpus is required (setCorpus)");
            }
            if (outputDir == null) {
                throw new IllegalArgumentException("outputDir is required (setOutputDir)");
            }
            return new TrainingOptions(
                    layers,
                    width,
                    heads,
                    contextLength,
                    batchSize,
                    learningRate,
                    warmupSteps,
                    weightDecay,
                    steps,
                    timeBudget,
                    seed,
                    corpus,
                    heldOutFraction,
                    outputDir,
                    initialWeights,
                    logEvery);
        }
    }
}
