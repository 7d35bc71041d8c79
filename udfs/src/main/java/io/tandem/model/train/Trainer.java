package io.tandem.model.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.tandem.model.ModelException;
import io.tandem.model.internal.ByteLevelTokenizerFile;
import io.tandem.model.internal.Checkpoint;
import io.tandem.model.internal.Gpt2Config;
import io.tandem.model.internal.Gpt2Network;
import io.tandem.model.internal.Gpt2Parameters;
import io.tandem.model.internal.HostTensor;
import io.tandem.model.internal.JsonFiles;
import io.tandem.model.internal.ModelDirectory;
import io.tandem.model.internal.TransformerNetwork;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a byte-level GPT-2 on the Austen corpus with DJL's PyTorch engine and writes it as a
 * loadable model directory ({@code config.json}, {@code model.safetensors}, {@code tokenizer.json})
 * plus {@code training.json} describing the run.
 *
 * <p>Each step samples {@code batchSize} random windows of the training text, runs the same {@link
 * Gpt2Network} forward pass that serves inference, and applies AdamW per parameter with a linear
 * warm-up and cosine decay. Initialisation and window order derive from the seed, so a run without
 * a time budget is reproducible on a machine with the same engine thread count.
 *
 * <p>Not thread-safe, and at most one training run per JVM at a time: DJL's PyTorch gradient
 * collector is process-global.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final String ENGINE = "PyTorch";
    private static final String REPORT_FILE = "training.json";

    private final TrainingOptions options;
    private final Gpt2Config config;
    private final Engine engine;
    private final NDManager root;
    private final Map<String, NDArray> parameters; // Hugging Face names, trainable
    private final Optimizer optimizer;
    private final NDArray causalBias; // [1, 1, context, context]
    private final int[] training;
    private final int[] heldOut;

    private Trainer(
            TrainingOptions options,
            Gpt2Config config,
            Engine engine,
            NDManager root,
            int[] training,
            int[] heldOut)
            throws IOException, ModelException {
        this.options = options;
        this.config = config;
        this.engine = engine;
        this.root = root;
        this.training = training;
        this.heldOut = heldOut;
        this.parameters = Gpt2Parameters.upload(initialWeights(options, config), root);
        parameters.values().forEach(parameter -> parameter.setRequiresGradient(true));
        this.optimizer = optimizer(options);
        int context = options.contextLength();
        this.causalBias = root.create(causalBias(context), new Shape(1, 1, context, context));
    }

    /**
     * Random weights from the seed, or those of {@code options.initialWeights()} to continue
     * training a model (same architecture) with a fresh schedule.
     */
    private static Map<String, HostTensor> initialWeights(
            TrainingOptions options, Gpt2Config config) throws IOException, ModelException {
        if (options.initialWeights() == null) {
            return Gpt2Parameters.initialize(config, options.seed());
        }
        try (Checkpoint checkpoint = Checkpoint.open(options.initialWeights())) {
            return Gpt2Parameters.read(checkpoint, config);
        }
    }

    /** Runs the training described by {@code options} and writes the model. */
    public static TrainingReport train(TrainingOptions options) throws IOException, ModelException {
        long start = System.nanoTime();
        AustenCorpus corpus = AustenCorpus.read(options.corpus());
        AustenCorpus.Split split = corpus.split(options.heldOutFraction());
        int[] training = tokens(split.training());
        int[] heldOut = tokens(split.heldOut());
        if (Math.min(training.length, heldOut.length) <= options.contextLength()) {
            throw new IllegalArgumentException(
                    "contextLength "
                            + options.contextLength()
                            + " leaves no training or held-out window");
        }
        Gpt2Config config =
                Gpt2Config.of(
                        ByteLevelTokenizerFile.VOCAB_SIZE,
                        options.contextLength(),
                        options.width(),
                        options.layers(),
                        options.heads(),
                        ByteLevelTokenizerFile.EOS_ID);
        LOG.info(
                "Training {} layers x {} wide ({} parameters) on {} tokens, holding out {} of {}",
                config.layers(),
                config.width(),
                config.parameterCount(),
                training.length,
                heldOut.length,
                AustenCorpus.HELD_OUT_NOVEL);
        Engine engine = Engine.getEngine(ENGINE);
        try (NDManager root = engine.newBaseManager(Device.cpu())) {
            Trainer trainer = new Trainer(options, config, engine, root, training, heldOut);
            long trainingStart = System.nanoTime();
            Progress progress = trainer.run();
            Duration trainingTime = Duration.ofNanos(System.nanoTime() - trainingStart);
            ModelDirectory.write(
                    options.outputDir(),
                    config,
                    Gpt2Parameters.download(trainer.parameters),
                    ByteLevelTokenizerFile.json());
            TrainingReport report =
                    new TrainingReport(
                            options.outputDir(),
                            config.parameterCount(),
                            progress.steps(),
                            progress.steps() * trainer.tokensPerStep(),
                            progress.trainLoss(),
                            progress.heldOutLoss(),
                            Duration.ofNanos(System.nanoTime() - start));
            trainer.writeReport(report, trainingTime, corpus.sha256());
            LOG.info(
                    "Wrote {} after {} steps ({} tokens) in {} s: train loss {}, held-out loss {}",
                    options.outputDir(),
                    report.steps(),
                    report.tokensSeen(),
                    report.wallTime().toSeconds(),
                    String.format("%.4f", report.trainLoss()),
                    String.format("%.4f", report.heldOutLoss()));
            return report;
        } catch (RuntimeException e) {
            throw new ModelException("training into " + options.outputDir() + " failed: " + e, e);
        }
    }

    /** Where training stopped: steps taken and the last measured losses. */
    private record Progress(int steps, double trainLoss, double heldOutLoss) {}

    /** The training loop: steps until done or out of time, logging and evaluating on the way. */
    private Progress run() {
        SplittableRandom windows = new SplittableRandom(options.seed());
        long start = System.nanoTime();
        long intervalStart = start;
        Progress progress = new Progress(0, Double.NaN, Double.NaN);
        double intervalLoss = 0;
        int intervalSteps = 0;
        int step = 0;
        while (step < options.steps() && !outOfTime(start)) {
            intervalLoss += step(windows);
            intervalSteps++;
            step++;
            if (step % options.logEvery() == 0 || step == options.steps() || outOfTime(start)) {
                progress = new Progress(step, intervalLoss / intervalSteps, evaluate());
                double seconds = (System.nanoTime() - intervalStart) / 1e9;
                LOG.info(
                        "step {}/{}: train loss {}, held-out loss {}, lr {}, {} tokens/s, {} s",
                        step,
                        options.steps(),
                        String.format("%.4f", progress.trainLoss()),
                        String.format("%.4f", progress.heldOutLoss()),
                        String.format("%.2e", learningRate(step)),
                        Math.round(intervalSteps * tokensPerStep() / seconds),
                        (System.nanoTime() - start) / 1_000_000_000);
                intervalLoss = 0;
                intervalSteps = 0;
                intervalStart = System.nanoTime();
            }
        }
        return progress;
    }

    /** One optimizer step on a batch of random windows; returns the batch's mean loss. */
    private float step(SplittableRandom windows) {
        int[] starts = new int[options.batchSize()];
        for (int row = 0; row < starts.length; row++) {
            starts[row] = windows.nextInt(training.length - options.contextLength());
        }
        try (NDManager scope = root.newSubManager()) {
            float loss;
            try (GradientCollector collector = engine.newGradientCollector()) {
                // Derived weights are rebuilt inside the collector so gradients reach the
                // parameters.
                NDArray lossArray =
                        loss(Gpt2Network.of(config, parameters, scope), training, starts, scope);
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            for (Map.Entry<String, NDArray> entry : parameters.entrySet()) {
                NDArray gradient = entry.getValue().getGradient();
                gradient.attach(scope); // the handle, not the gradient buffer, dies with the step
                optimizer.update(entry.getKey(), entry.getValue(), gradient);
                gradient.subi(gradient); // PyTorch accumulates gradients; restart from zero
            }
            return loss;
        }
    }

    /** Mean loss over all non-overlapping windows of the held-out text. */
    private double evaluate() {
        int context = options.contextLength();
        int windows = (heldOut.length - 1) / context;
        double total = 0;
        for (int first = 0; first < windows; first += options.batchSize()) {
            int[] starts = new int[Math.min(options.batchSize(), windows - first)];
            for (int row = 0; row < starts.length; row++) {
                starts[row] = (first + row) * context;
            }
            try (NDManager scope = root.newSubManager()) {
                // Detached views keep the evaluation out of the autograd graph.
                Map<String, NDArray> frozen = new LinkedHashMap<>();
                parameters.forEach(
                        (name, parameter) -> {
                            NDArray detached = parameter.stopGradient();
                            detached.attach(scope);
                            frozen.put(name, detached);
                        });
                NDArray loss = loss(Gpt2Network.of(config, frozen, scope), heldOut, starts, scope);
                total += loss.getFloat() * starts.length;
            }
        }
        return total / windows;
    }

    /** Mean next-token cross-entropy over the windows {@code text[start .. start + context]}. */
    private NDArray loss(Gpt2Network network, int[] text, int[] starts, NDManager scope) {
        int context = options.contextLength();
        int rows = starts.length;
        int[] inputs = new int[rows * context];
        long[] targets = new long[rows * context];
        int[] positions = new int[rows * context];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(text, starts[row], inputs, row * context, context);
            for (int i = 0; i < context; i++) {
                targets[row * context + i] = text[starts[row] + i + 1];
                positions[row * context + i] = i;
            }
        }
        Shape shape = new Shape(rows, context);
        NDArray logits = // [rows, context, vocab]
                network.forward(
                        scope.create(inputs, shape),
                        scope.create(positions, shape),
                        causalBias,
                        null,
                        false);
        return logits.logSoftmax(-1)
                .gather(scope.create(targets, shape).expandDims(-1), -1) // [rows, context, 1]
                .neg()
                .mean();
    }

    private long tokensPerStep() {
        return (long) options.batchSize() * options.contextLength();
    }

    private boolean outOfTime(long start) {
        return options.timeBudget() != null
                && System.nanoTime() - start >= options.timeBudget().toNanos();
    }

    private static Optimizer optimizer(TrainingOptions options) {
        Tracker schedule =
                Tracker.warmUp()
                        .optWarmUpSteps(options.warmupSteps())
                        .setMainTracker(
                                Tracker.cosine()
                                        .setBaseValue((float) options.learningRate())
                                        .optFinalValue((float) options.learningRate() / 10)
                                        .setMaxUpdates(options.steps() - options.warmupSteps())
                                        .build())
                        .build();
        return Optimizer.adamW()
                .optLearningRateTracker(schedule)
                .optWeightDecays((float) options.weightDecay())
                .optBeta2(0.99f) // shorter memory than 0.999 suits a few thousand steps
                .build();
    }

    /** The learning rate at {@code step}, for logging; mirrors {@link #optimizer}. */
    private double learningRate(int step) {
        double peak = options.learningRate();
        int warmup = options.warmupSteps();
        if (step < warmup) {
            return peak * step / warmup;
        }
        double progress = Math.min(1, (double) (step - warmup) / (options.steps() - warmup));
        return peak / 10 + (peak - peak / 10) / 2 * (1 + Math.cos(Math.PI * progress));
    }

    /** The byte-level token stream: each paragraph's UTF-8 bytes followed by end-of-text. */
    private static int[] tokens(List<String> paragraphs) {
        int length = 0;
        for (String paragraph : paragraphs) {
            length += paragraph.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        int[] tokens = new int[length];
        int next = 0;
        for (String paragraph : paragraphs) {
            for (byte b : paragraph.getBytes(StandardCharsets.UTF_8)) {
                tokens[next++] = b & 0xff;
            }
            tokens[next++] = ByteLevelTokenizerFile.EOS_ID;
        }
        return tokens;
    }

    /** [context, context] additive causal mask: query i sees keys 0..i. */
    private static float[] causalBias(int context) {
        float[] bias = new float[context * context];
        for (int query = 0; query < context; query++) {
            Arrays.fill(
                    bias,
                    query * context + query + 1,
                    (query + 1) * context,
                    TransformerNetwork.MASKED);
        }
        return bias;
    }

    private void writeReport(TrainingReport report, Duration trainingTime, String corpusSha256)
            throws IOException {
        JsonObject settings = new JsonObject();
        settings.addProperty("layers", options.layers());
        settings.addProperty("width", options.width());
        settings.addProperty("heads", options.heads());
        settings.addProperty("contextLength", options.contextLength());
        settings.addProperty("batchSize", options.batchSize());
        settings.addProperty("learningRate", options.learningRate());
        settings.addProperty(
                "schedule", "linear warm-up, cosine decay to learningRate/10 at steps");
        settings.addProperty("warmupSteps", options.warmupSteps());
        settings.addProperty("optimizer", "AdamW beta1 0.9, beta2 0.99, eps 1e-8");
        settings.addProperty("weightDecay", options.weightDecay());
        settings.addProperty("steps", options.steps());
        settings.addProperty(
                "timeBudgetSeconds",
                options.timeBudget() == null ? null : options.timeBudget().toSeconds());
        settings.addProperty("seed", options.seed());
        settings.addProperty("heldOutFraction", options.heldOutFraction());

        JsonObject data = new JsonObject();
        data.addProperty(
                "source",
                "Jane Austen's six novels (public domain) from Debian package r-cran-janeaustenr"
                        + " (MIT), file janeaustenr/data/Rdata.rdb");
        data.addProperty("corpusSha256", corpusSha256);
        data.addProperty(
                "preparation",
                "lines joined into paragraphs, whitespace collapsed, UTF-8 bytes as tokens,"
                        + " <|endoftext|> (id 256) after every paragraph");
        data.addProperty(
                "heldOut",
                "last "
                        + Math.round(options.heldOutFraction() * 100)
                        + "% of the paragraphs of "
                        + AustenCorpus.HELD_OUT_NOVEL);
        data.addProperty("trainingTokens", training.length);
        data.addProperty("heldOutTokens", heldOut.length);

        double seconds = trainingTime.toMillis() / 1000.0;
        JsonObject json = new JsonObject();
        json.addProperty("architecture", Gpt2Config.MODEL_TYPE);
        json.addProperty("parameters", report.parameters());
        json.add("settings", settings);
        json.add("data", data);
        if (options.initialWeights() != null) {
            // A continued run keeps the record of the run it started from.
            Path previous = options.initialWeights().resolve(REPORT_FILE);
            json.add(
                    "continuedFrom",
                    Files.isRegularFile(previous)
                            ? JsonParser.parseString(Files.readString(previous))
                            : new JsonPrimitive(options.initialWeights().toString()));
        }
        json.addProperty("steps", report.steps());
        json.addProperty("tokensSeen", report.tokensSeen());
        json.addProperty("trainLoss", round(report.trainLoss()));
        json.addProperty("heldOutLoss", round(report.heldOutLoss()));
        json.addProperty(
                "lossUnit", "nats per token (a token is one UTF-8 byte or one <|endoftext|>)");
        json.addProperty("trainingSeconds", round(seconds));
        json.addProperty("wallTimeSeconds", round(report.wallTime().toMillis() / 1000.0));
        json.addProperty("tokensPerSecond", Math.round(report.tokensSeen() / seconds));
        json.addProperty("engine", engine.getEngineName() + " " + engine.getVersion());
        json.addProperty("djl", Engine.getDjlVersion());
        json.addProperty("cpuCores", Runtime.getRuntime().availableProcessors());
        JsonFiles.write(options.outputDir().resolve(REPORT_FILE), json);
    }

    private static double round(double value) {
        return Math.round(value * 10_000) / 10_000.0;
    }
}
