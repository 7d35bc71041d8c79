package io.tandem.model.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.model.CausalLm;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.SamplingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A few steps of real training on a small synthetic corpus, end to end to a loadable model. */
class TrainerITCase {

    @TempDir static Path dir;

    private static Path corpus;

    @BeforeAll
    static void writeCorpus() throws Exception {
        List<String> emma = new ArrayList<>(List.of("EMMA"));
        List<String> persuasion = new ArrayList<>(List.of("PERSUASION"));
        for (int i = 0; i < 60; i++) {
            emma.addAll(List.of("", "Emma smiled at Harriet and said nothing more about it."));
            persuasion.addAll(List.of("", "Anne walked to the window and looked at the sea."));
        }
        corpus = RdataFixture.write(dir.resolve("Rdata.rdb"), List.of(emma, persuasion));
    }

    private static TrainingOptions options(Path output) {
        return TrainingOptions.builder()
                .setCorpus(corpus)
                .setOutputDir(output)
                .optLayers(1)
                .optWidth(16)
                .optHeads(2)
                .optContextLength(32)
                .optBatchSize(8)
                .optLearningRate(1e-2)
                .optWarmupSteps(5)
                .optSteps(40)
                .optLogEvery(20)
                .optSeed(3)
                .build();
    }

    @Test
    void trainsAModelThatLoadsAndGenerates() throws Exception {
        Path output = dir.resolve("model");

        TrainingReport report = Trainer.train(options(output));

        assertThat(report.steps()).isEqualTo(40);
        assertThat(report.tokensSeen()).isEqualTo(40 * 8 * 32);
        assertThat(report.heldOutLoss()).isLessThan(Math.log(257) / 2);
        assertThat(output.resolve("config.json")).exists();
        assertThat(output.resolve("tokenizer.json")).exists();
        JsonObject json =
                JsonParser.parseString(Files.readString(output.resolve("training.json")))
                        .getAsJsonObject();
        assertThat(json.get("steps").getAsInt()).isEqualTo(40);
        assertThat(json.get("heldOutLoss").getAsDouble())
                .isEqualTo(report.heldOutLoss(), org.assertj.core.data.Offset.offset(1e-4));
        assertThat(json.getAsJsonObject("settings").get("width").getAsInt()).isEqualTo(16);

        try (CausalLm model = CausalLm.load(output)) {
            assertThat(model.info().parameters()).isEqualTo(report.parameters());
            Generation generation =
                    model.generate(
                                    List.of(
                                            new GenerationRequest(
                                                    "g",
                                                    model.tokenizer().encode("Anne walked"),
                                                    10,
                                                    SamplingConfig.greedy())))
                            .get(0);
            assertThat(generation.tokens()).isNotEmpty();
        }
    }

    @Test
    void theSameSeedTrainsTheSameModel() throws Exception {
        Trainer.train(options(dir.resolve("first")));
        Trainer.train(options(dir.resolve("second")));

        assertThat(Files.readAllBytes(dir.resolve("second").resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(dir.resolve("first").resolve("model.safetensors")));
    }

    @Test
    void continuedTrainingStartsFromTheGivenWeightsAndKeepsTheirRecord() throws Exception {
        TrainingReport first = Trainer.train(options(dir.resolve("start")));

        TrainingReport continued =
                Trainer.train(
                        TrainingOptions.builder()
                                .setCorpus(corpus)
                                .setOutputDir(dir.resolve("continued"))
                                .optInitialWeights(dir.resolve("start"))
                                .optLayers(1)
                                .optWidth(16)
                                .optHeads(2)
                                .optContextLength(32)
                                .optBatchSize(8)
                                .optLearningRate(1e-2)
                                .optWarmupSteps(5)
                                .optSteps(40)
                                .optLogEvery(20)
                                .optSeed(3)
                                .build());

        // Starting over from random weights would land where the first run did; continuing goes
        // further.
        assertThat(continued.heldOutLoss()).isLessThan(first.heldOutLoss());
        JsonObject json =
                JsonParser.parseString(
                                Files.readString(dir.resolve("continued").resolve("training.json")))
                        .getAsJsonObject();
        assertThat(json.getAsJsonObject("continuedFrom").get("heldOutLoss").getAsDouble())
                .isEqualTo(first.heldOutLoss(), org.assertj.core.data.Offset.offset(1e-4));
    }
}
