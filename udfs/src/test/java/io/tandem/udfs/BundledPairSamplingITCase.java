package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.CausalLm;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sampling with the bundled draft/target pair gives the target's next-token distribution: χ² at p =
 * 0.001 over fixed seeds, with the temperature and top-p applied to both models.
 */
class BundledPairSamplingITCase {

    private static final double P_VALUE = 0.001;
    private static final int REQUESTS = 4000;

    private static CausalLm draft;
    private static CausalLm target;

    @BeforeAll
    static void load() throws Exception {
        Path models = models();
        draft = CausalLm.load(models.resolve("austen-draft"));
        target = CausalLm.load(models.resolve("austen-target"));
    }

    @AfterAll
    static void close() {
        draft.close();
        target.close();
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}, γ = {2}")
    @CsvSource({"1.0, 1.0, 4", "0.7, 0.9, 4", "1.5, 1.0, 2"})
    void sampledTokensFollowTheTargetDistribution(double temperature, double topP, int gamma)
            throws Exception {
        assertThat(
                        FirstTokenAgreement.pValue(
                                draft,
                                target,
                                "She looked at the ",
                                temperature,
                                topP,
                                gamma,
                                REQUESTS))
                .isGreaterThan(P_VALUE);
    }

    private static Path models() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models/austen-target"))) {
                return dir.resolve("models");
            }
        }
        throw new IllegalStateException("models/austen-target not found");
    }
}
