package io.tandem.model.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tandem.model.ModelException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The parameter set of a GPT-2 model under Hugging Face names ({@code wte.weight}, {@code
 * h.0.attn.c_attn.weight}, ...) and layouts (Conv1D weights are {@code [in, out]}, applied as
 * {@code x @ W}): the list of names and shapes for a config, reading it from a checkpoint, GPT-2
 * initialisation, and moving it between the Java heap and the engine. Stateless.
 */
public final class Gpt2Parameters {

    /** Prefix some GPT-2 checkpoints (saved from {@code GPT2LMHeadModel}) put on every name. */
    static final String TRANSFORMER_PREFIX = "transformer.";

    private Gpt2Parameters() {}

    /** How a parameter is initialised. */
    enum Role {
        /** Embeddings and input projections: N(0, 0.02). */
        WEIGHT,
        /** Projections back into the residual stream: N(0, 0.02 / sqrt(2 * layers)), as GPT-2. */
        RESIDUAL_WEIGHT,
        BIAS,
        NORM_GAIN
    }

    /** One parameter: its Hugging Face name, shape and role. */
    record Spec(String name, long[] shape, Role role) {}

    /** Every parameter of {@code config}, in checkpoint order. */
    static List<Spec> specs(Gpt2Config config) {
        long width = config.width();
        long inner = config.innerWidth();
        List<Spec> specs = new ArrayList<>();
        specs.add(new Spec("wte.weight", new long[] {config.vocabSize(), width}, Role.WEIGHT));
        specs.add(new Spec("wpe.weight", new long[] {config.contextLength(), width}, Role.WEIGHT));
        for (int layer = 0; layer < config.layers(); layer++) {
            String p = "h." + layer + ".";
            specs.add(new Spec(p + "ln_1.weight", new long[] {width}, Role.NORM_GAIN));
            specs.add(new Spec(p + "ln_1.bias", new long[] {width}, Role.BIAS));
            specs.add(
                    new Spec(p + "attn.c_attn.weight", new long[] {width, 3 * width}, Role.WEIGHT));
            specs.add(new Spec(p + "attn.c_attn.bias", new long[] {3 * width}, Role.BIAS));
            specs.add(
                    new Spec(
                            p + "attn.c_proj.weight",
                            new long[] {width, width},
                            Role.RESIDUAL_WEIGHT));
            specs.add(new Spec(p + "attn.c_proj.bias", new long[] {width}, Role.BIAS));
            specs.add(new Spec(p + "ln_2.weight", new long[] {width}, Role.NORM_GAIN));
            specs.add(new Spec(p + "ln_2.bias", new long[] {width}, Role.BIAS));
            specs.add(new Spec(p + "mlp.c_fc.weight", new long[] {width, inner}, Role.WEIGHT));
            specs.add(new Spec(p + "mlp.c_fc.bias", new long[] {inner}, Role.BIAS));
            specs.add(
                    new Spec(
                            p + "mlp.c_proj.weight",
                            new long[] {inner, width},
                            Role.RESIDUAL_WEIGHT));
            specs.add(new Spec(p + "mlp.c_proj.bias", new long[] {width}, Role.BIAS));
        }
        specs.add(new Spec("ln_f.weight", new long[] {width}, Role.NORM_GAIN));
        specs.add(new Spec("ln_f.bias", new long[] {width}, Role.BIAS));
        return specs;
    }

    /**
     * Reads every parameter of {@code config} from {@code checkpoint}, accepting names with or
     * without the {@code transformer.} prefix; extra tensors (a tied {@code lm_head.weight}, the
     * causal-mask buffers of old checkpoints) are ignored.
     */
    public static Map<String, HostTensor> read(Checkpoint checkpoint, Gpt2Config config)
            throws IOException, ModelException {
        String prefix =
                checkpoint.contains(TRANSFORMER_PREFIX + "wte.weight") ? TRANSFORMER_PREFIX : "";
        List<Spec> specs = specs(config);
        List<String> missing = new ArrayList<>();
        for (Spec spec : specs) {
            if (!checkpoint.contains(prefix + spec.name())) {
                missing.add(prefix + spec.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new ModelException(
                    checkpoint.directory()
                            + ": checkpoint lacks "
                            + missing.size()
                            + " GPT-2 tensors, e.g. "
                            + missing.subList(0, Math.min(5, missing.size())));
        }
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Spec spec : specs) {
            long[] stored = checkpoint.shape(prefix + spec.name());
            if (!Arrays.equals(stored, spec.shape())) {
                throw new ModelException(
                        checkpoint.directory()
                                + ": tensor '"
                                + prefix
                                + spec.name()
                                + "' has shape "
                                + Arrays.toString(stored)
                                + " but config.json implies "
                                + Arrays.toString(spec.shape()));
            }
            tensors.put(spec.name(), checkpoint.read(prefix + spec.name()));
        }
        return tensors;
    }

    /** GPT-2's initialisation, drawn from a generator seeded with {@code seed}. */
    public static Map<String, HostTensor> initialize(Gpt2Config config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double residualStd = 0.02 / Math.sqrt(2.0 * config.layers());
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (Spec spec : specs(config)) {
            float[] values = new float[Math.toIntExact(HostTensor.elementCount(spec.shape()))];
            switch (spec.role()) {
                case WEIGHT -> fillNormal(values, 0.02, random);
                case RESIDUAL_WEIGHT -> fillNormal(values, residualStd, random);
                case NORM_GAIN -> Arrays.fill(values, 1f);
                case BIAS -> {} // zeros
            }
            tensors.put(spec.name(), new HostTensor(spec.shape(), values));
        }
        return tensors;
    }

    /** Copies {@code tensors} into float32 arrays owned by {@code manager}. */
    public static Map<String, NDArray> upload(Map<String, HostTensor> tensors, NDManager manager) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        tensors.forEach(
                (name, tensor) ->
                        arrays.put(
                                name, manager.create(tensor.values(), new Shape(tensor.shape()))));
        return arrays;
    }

    /** Copies {@code arrays} back to the Java heap. */
    public static Map<String, HostTensor> download(Map<String, NDArray> arrays) {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        arrays.forEach(
                (name, array) ->
                        tensors.put(
                                name,
                                new HostTensor(array.getShape().getShape(), array.toFloatArray())));
        return tensors;
    }

    private static void fillNormal(float[] values, double std, SplittableRandom random) {
        for (int i = 0; i < values.length; i += 2) {
            // Box-Muller: two independent standard normals per pair of uniforms
            double radius = Math.sqrt(-2 * Math.log(1 - random.nextDouble()));
            double angle = 2 * Math.PI * random.nextDouble();
            values[i] = (float) (std * radius * Math.cos(angle));
            if (i + 1 < values.length) {
                values[i + 1] = (float) (std * radius * Math.sin(angle));
            }
        }
    }
}
