package io.tandem.model;

import ai.djl.engine.Engine;
import java.nio.file.Path;

/**
 * Loads DJL's PyTorch engine as a TaskManager would, says which natives it found and how many GPUs
 * they see, and loads each model directory given on {@code device}. The container images run it
 * when they are built, so that the natives are unpacked into the image (DJL unpacks them on first
 * load) and an image whose natives or models do not load is never built:
 *
 * <pre>
 * java -cp '/opt/flink/lib/*:/opt/flink/usrlib/*' io.tandem.model.EngineCheck [--device D] [MODEL_DIR...]
 * </pre>
 */
public final class EngineCheck {

    private EngineCheck() {}

    public static void main(String[] args) throws Exception {
        ModelDevice device = ModelDevice.CPU;
        int first = 0;
        if (args.length >= 2 && args[0].equals("--device")) {
            device = ModelDevice.parse(args[1]);
            first = 2;
        }
        Engine engine = Engine.getEngine(CausalLm.ENGINE);
        System.out.printf(
                "%s %s (DJL %s): %d GPU(s) visible%n",
                engine.getEngineName(),
                engine.getVersion(),
                Engine.getDjlVersion(),
                engine.getGpuCount());
        for (int i = first; i < args.length; i++) {
            try (CausalLm model = CausalLm.load(Path.of(args[i]), device)) {
                System.out.printf("%s: loaded on %s%n", args[i], device);
            }
        }
    }
}
