package io.tandem.udfs;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.model.CausalLm;
import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Speculative decoding on the bundled model, offline, with {@code austen-tiny} as both draft and
 * target until a trained draft/target pair is bundled: the output is the target's own, and a draft
 * identical to its target is always accepted when greedy (α = 1).
 */
class SpeculativeAustenITCase {

    private static final SessionLimits LIMITS =
            new SessionLimits(64, 256L << 20, Duration.ofMinutes(5));

    private static CausalLm draft;
    private static CausalLm target;
    private static List<String> heldOut;

    @BeforeAll
    static void load() throws Exception {
        Path models = modelsDirectory();
        target = CausalLm.load(models.resolve("austen-tiny"));
        draft = target;
        heldOut =
                Arrays.stream(
                                Files.readString(models.resolve("data/austen-heldout.txt"))
                                        .split("\n\n"))
                        .filter(paragraph -> paragraph.length() > 200)
                        .toList();
    }

    @AfterAll
    static void close() {
        target.close();
    }

    @ParameterizedTest(name = "γ = {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5, 6})
    void greedyOutputMatchesTargetTokenForTokenAlwaysAccepted(int gamma) throws Exception {
        List<GenerationRequest> batch = mixedBatch(gamma);
        List<Generation> expected = target.generate(batch);

        List<SpeculativeGeneration> together = speculative(batch, gamma);

        assertThat(generations(together)).isEqualTo(expected);
        assertThat(expected)
                .extracting(Generation::finishReason)
                .contains(FinishReason.EOS, FinishReason.LENGTH);
        for (SpeculativeGeneration result : together) {
            assertThat(result.acceptance().acceptanceRate()).isEqualTo(1.0);
        }
        assertThat(generations(speculative(List.of(batch.get(gamma - 1)), gamma)))
                .containsExactly(expected.get(gamma - 1));
    }

    @Test
    void sampledOutputReproducesTheTargetsOwnSamples() throws Exception {
        List<GenerationRequest> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batch.add(
                    new GenerationRequest(
                            "s" + i,
                            prompt(i, 30 + 17 * i),
                            60,
                            new SamplingConfig(0.8 + 0.1 * i, 0.95, 100 + i)));
        }

        assertThat(generations(speculative(batch, 4))).isEqualTo(target.generate(batch));
    }

    /**
     * Eight held-out prompts of different lengths; one is "CHAPTER", which austen-tiny ends with
     * its end-of-sequence token, the others stop at lengths that vary per request.
     */
    private static List<GenerationRequest> mixedBatch(int salt) {
        List<GenerationRequest> batch = new ArrayList<>();
        batch.add(
                new GenerationRequest(
                        "chapter",
                        target.tokenizer().encode("CHAPTER"),
                        100,
                        SamplingConfig.greedy()));
        for (int i = 1; i < 8; i++) {
            batch.add(
                    new GenerationRequest(
                            "p" + i,
                            prompt(i + salt, 10 + 19 * i),
                            20 + 9 * i,
                            SamplingConfig.greedy()));
        }
        return batch;
    }

    private static int[] prompt(int paragraph, int length) {
        String text = heldOut.get(paragraph % heldOut.size());
        return target.tokenizer().encode(text.substring(0, Math.min(length, text.length())));
    }

    private static List<SpeculativeGeneration> speculative(List<GenerationRequest> batch, int gamma)
            throws Exception {
        try (Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            return new SpeculativeGenerator(drafter, verifier).generate(batch, gamma);
        }
    }

    private static List<Generation> generations(List<SpeculativeGeneration> results) {
        return results.stream().map(SpeculativeGeneration::generation).toList();
    }

    /** The repository's {@code models} directory, found from the module's working directory. */
    private static Path modelsDirectory() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("models/austen-tiny"))) {
                return dir.resolve("models");
            }
        }
        throw new IOException("models/austen-tiny not found above " + Path.of("").toAbsolutePath());
    }
}
