package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.CausalLm;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sampling through the real draft and verify functions, on random-weight models, yields the
 * target's next-token distribution: χ² at p = 0.001 over fixed request seeds. The draft is a
 * different random model, so most of its proposals are rejected and corrected.
 */
class DraftVerifySamplingTest {

    private static final double P_VALUE = 0.001;
    private static final int REQUESTS = 4000;

    @TempDir static Path root;

    private static RandomPair pair;
    private static CausalLm draft;
    private static CausalLm target;

    @BeforeAll
    static void load() throws Exception {
        pair = RandomPair.write(root);
        draft = pair.draft();
        target = pair.target();
    }

    @AfterAll
    static void close() {
        pair.close();
    }

    @ParameterizedTest(name = "temperature {0}, top-p {1}, γ = {2}")
    @CsvSource({"1.0, 1.0, 2", "2.0, 1.0, 1", "3.0, 0.9, 3"})
    void theFirstGeneratedTokenFollowsTheTargetDistribution(
            double temperature, double topP, int gamma) throws Exception {
        assertThat(
                        FirstTokenAgreement.pValue(
                                draft, target, "Emma", temperature, topP, gamma, REQUESTS))
                .isGreaterThan(P_VALUE);
    }
}
