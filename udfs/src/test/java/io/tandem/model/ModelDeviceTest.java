package io.tandem.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.engine.Engine;
import io.tandem.model.internal.RandomGpt2;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelDeviceTest {

    @Test
    void parsesCpuGpuAndAnIndexAndRefusesTheRest() {
        assertThat(ModelDevice.parse("cpu")).isEqualTo(ModelDevice.CPU);
        assertThat(ModelDevice.parse(" gpu ")).isEqualTo(new ModelDevice(0));
        assertThat(ModelDevice.parse("gpu:3")).isEqualTo(new ModelDevice(3));
        assertThat(ModelDevice.parse("gpu:3")).hasToString("gpu:3");
        assertThat(ModelDevice.CPU.isGpu()).isFalse();
        for (String bad : new String[] {"tpu", "gpu:", "gpu:-1", "gpu:x", "GPU", ""}) {
            assertThatThrownBy(() -> ModelDevice.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cpu, gpu or gpu:N");
        }
    }

    @Test
    void aGpuThatPyTorchDoesNotSeeFailsTheLoadSayingSo(@TempDir Path root) throws Exception {
        assumeTrue(
                Engine.getEngine("PyTorch").getGpuCount() == 0,
                "this machine has a GPU: the load would succeed");
        Path dir = RandomGpt2.writeModel(root.resolve("random"), RandomGpt2.BYTE_LEVEL_CONFIG, 5);

        assertThatThrownBy(() -> CausalLm.load(dir, ModelDevice.parse("gpu")))
                .isInstanceOf(ModelException.class)
                .hasMessageContaining("device gpu:0 asked for, but PyTorch sees 0 GPU(s)")
                .hasMessageContaining("CUDA natives");
        try (CausalLm onCpu = CausalLm.load(dir, ModelDevice.CPU)) {
            assertThat(onCpu.info().layers()).isPositive();
        }
    }
}
