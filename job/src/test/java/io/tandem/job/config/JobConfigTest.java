package io.tandem.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tandem.model.ModelDevice;
import io.tandem.testkit.BundledModel;
import io.tandem.udfs.ModelEngine;
import io.tandem.udfs.ServingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    /** Resources declared for all three slot sharing groups. */
    private static final Map<String, String> ALL_DECLARED =
            Map.of(
                    "tandem.ingest.cpu-cores", "0.25",
                    "tandem.ingest.task-heap", "50 mb",
                    "tandem.draft.cpu-cores", "0.75",
                    "tandem.draft.task-heap", "100 mb",
                    "tandem.verify.cpu-cores", "0.25",
                    "tandem.verify.task-heap", "400 mb");

    @Test
    void aRequestMustFitTheSmallerContextOfTargetAndDraft() throws Exception {
        assertThat(generation(BundledModel.target(), null).contextLength()).isEqualTo(512);
        // the tiny model's context is 256
        assertThat(generation(BundledModel.target(), BundledModel.tiny()).contextLength())
                .isEqualTo(256);
        assertThat(generation(BundledModel.tiny(), BundledModel.draft()).contextLength())
                .isEqualTo(256);
    }

    private static JobConfig.Generation generation(Path target, Path draft) {
        return new JobConfig.Generation(
                ServingMode.SD,
                target.toString(),
                draft == null ? null : draft.toString(),
                4,
                null,
                16,
                16,
                0,
                0,
                0,
                16,
                8192,
                Duration.ofMinutes(1),
                Duration.ofMinutes(1),
                0,
                ModelEngine.DJL);
    }

    @Test
    void defaultsAreValid() {
        JobConfig config = JobConfig.from(new Configuration());

        assertThat(config.kafka().requestsTopic()).isEqualTo("tandem-requests");
        assertThat(config.kafka().deliveryGuarantee()).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        assertThat(config.batching().lanes()).isEqualTo(config.parallelism());
        assertThat(config.bufferTimeout()).isEqualTo(Duration.ZERO);
    }

    @Test
    void readsEveryAreaFromFlatKeys() {
        JobConfig config =
                JobConfig.from(
                        Configuration.fromMap(
                                Map.of(
                                        "tandem.kafka.bootstrap-servers", "broker:9093",
                                        "tandem.batch.max-size", "16",
                                        "tandem.batch.max-wait", "20 ms",
                                        "tandem.parallelism", "3",
                                        "tandem.limits.max-new-tokens", "64",
                                        "tandem.kafka.client.security.protocol", "SSL")));

        assertThat(config.kafka().bootstrapServers()).isEqualTo("broker:9093");
        assertThat(config.batching())
                .isEqualTo(new JobConfig.Batching(16, Duration.ofMillis(20), 3, 0.5));
        assertThat(config.limits().maxNewTokens()).isEqualTo(64);
        assertThat(config.kafka().clientProperties("x")).containsEntry("security.protocol", "SSL");
    }

    @Test
    void printedSettingsHideKafkaSecretsButPassThemToTheClients() {
        String jaas =
                "org.apache.kafka.common.security.scram.ScramLoginModule required"
                        + " username=\"tandem\" password=\"s3cret-pw\";";
        JobConfig config =
                JobConfig.from(
                        Configuration.fromMap(
                                Map.of(
                                        "tandem.kafka.client.security.protocol", "SASL_SSL",
                                        "tandem.kafka.client.sasl.mechanism", "SCRAM-SHA-256",
                                        "tandem.kafka.client.sasl.jaas.config", jaas,
                                        "tandem.kafka.client.ssl.truststore.password", "ts-pw-1",
                                        "tandem.kafka.client.ssl.key.password", "key-pw-2",
                                        "tandem.kafka.client.listener.name.x.oauth.token",
                                                "tok-3")));

        String printed = config.toString();

        assertThat(printed)
                .doesNotContain("s3cret-pw", "ts-pw-1", "key-pw-2", "tok-3")
                .contains("security.protocol=SASL_SSL", "sasl.mechanism=SCRAM-SHA-256")
                .contains("sasl.jaas.config=" + KafkaSecrets.HIDDEN);
        assertThat(config.kafka().clientProperties("x"))
                .containsEntry("sasl.jaas.config", jaas)
                .containsEntry("ssl.truststore.password", "ts-pw-1");
    }

    @Test
    void errorsNameTheKeyTheValueAndWhatIsAllowed() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.batch.max-size", "0"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tandem.batch.max-size=0")
                .hasMessageContaining("at least 1");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.batch.max-wait", "0 ms"))))
                .hasMessageContaining("tandem.batch.max-wait")
                .hasMessageContaining("positive duration");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.kafka.requests-topic", " "))))
                .hasMessageContaining("tandem.kafka.requests-topic");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of(
                                                        "tandem.kafka.delivery-guarantee",
                                                        "exactly-once",
                                                        "tandem.checkpoint.interval",
                                                        "0 s"))))
                .hasMessageContaining("tandem.kafka.delivery-guarantee")
                .hasMessageContaining("tandem.checkpoint.interval > 0");
    }

    @Test
    void slotSharingGroupsDeclareResourcesAllOrNone() {
        Map<String, String> all = ALL_DECLARED;
        JobConfig config = JobConfig.from(Configuration.fromMap(all));
        assertThat(config.resources().verify().taskHeap()).isEqualTo(MemorySize.ofMebiBytes(400));
        assertThat(config.resources().draft().slotSharingGroup("draft").getCpuCores())
                .contains(0.75);
        assertThat(JobConfig.from(new Configuration()).resources().draft().declared()).isFalse();

        Map<String, String> withoutIngest = new java.util.HashMap<>(all);
        withoutIngest.remove("tandem.ingest.cpu-cores");
        withoutIngest.remove("tandem.ingest.task-heap");
        assertThatThrownBy(() -> JobConfig.from(Configuration.fromMap(withoutIngest)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("all three slot sharing groups");
        Map<String, String> cpuOnly = Map.of("tandem.draft.cpu-cores", "0.5");
        assertThatThrownBy(() -> JobConfig.from(Configuration.fromMap(cpuOnly)))
                .hasMessageContaining("tandem.draft.task-heap");
    }

    @Test
    void aModelOnAGpuLoadsThereAndItsGroupAsksFlinkForOne() {
        Map<String, String> settings = new java.util.HashMap<>(ALL_DECLARED);
        settings.put("tandem.model.device", "gpu:1");
        JobConfig config = JobConfig.from(Configuration.fromMap(settings));

        assertThat(config.generation().targetSource().device()).isEqualTo(new ModelDevice(1));
        assertThat(config.generation().draftSource().device()).isEqualTo(ModelDevice.CPU);
        assertThat(config.resources().verify().slotSharingGroup("verify").getExternalResources())
                .containsEntry("gpu", 1.0);
        assertThat(config.resources().draft().slotSharingGroup("draft").getExternalResources())
                .isEmpty();
        // the default: both on the CPU, nothing asked of Flink
        JobConfig plain = JobConfig.from(new Configuration());
        assertThat(plain.generation().targetSource().device()).isEqualTo(ModelDevice.CPU);
        assertThat(plain.resources().verify().slotSharingGroup("verify").getExternalResources())
                .isEmpty();
    }

    @Test
    void aGpuIsRefusedWithoutDeclaredResourcesAnUnknownDeviceOrEmulatedStages() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.model.device", "gpu"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tandem.model.device is gpu:0")
                .hasMessageContaining("tandem.verify.cpu-cores");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.model.draft-device", "tpu"))))
                .hasMessageContaining("tandem.model.draft-device=tpu")
                .hasMessageContaining("cpu, gpu or gpu:N");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of(
                                                        "tandem.model.engine", "emulated",
                                                        "tandem.model.profile",
                                                                BundledModel.gpuProfile(
                                                                                "h200-68m-7b")
                                                                        .toString(),
                                                        "tandem.model.device", "gpu"))))
                .hasMessageContaining("only with tandem.model.engine djl");
    }

    @Test
    void theStagesHoldEveryBatchAHeadMayHaveInFlight() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of(
                                                        "tandem.generate.capacity", "4",
                                                        "tandem.generate.max-batches-in-flight",
                                                                "8"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tandem.generate.capacity=4")
                .hasMessageContaining("block");
    }

    @Test
    void yamlFilesMayNestOrFlattenKeys(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tandem.yaml");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "tandem:",
                        "  batch:",
                        "    max-size: 12",
                        "tandem.kafka.results-topic: answers",
                        ""));

        Map<String, String> settings = ConfigFiles.read(file);

        assertThat(settings)
                .containsEntry("tandem.batch.max-size", "12")
                .containsEntry("tandem.kafka.results-topic", "answers");
        assertThat(JobConfig.from(Configuration.fromMap(settings)).batching().maxSize())
                .isEqualTo(12);
    }

    @Test
    void aMissingOrBrokenFileSaysWhich(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> ConfigFiles.read(dir.resolve("nope.yaml")))
                .hasMessageContaining("nope.yaml");
        Path broken = dir.resolve("broken.yaml");
        Files.writeString(broken, "tandem: [unclosed");
        assertThatThrownBy(() -> ConfigFiles.read(broken)).hasMessageContaining("not valid YAML");
    }

    @Test
    void servesWithThePlannerByDefaultAndWithTheTargetAloneInModeAd() {
        JobConfig.Generation sd = JobConfig.from(new Configuration()).generation();
        JobConfig.Generation ad =
                JobConfig.from(Configuration.fromMap(Map.of("tandem.mode", "ad"))).generation();

        assertThat(sd.mode()).isEqualTo(ServingMode.SD);
        assertThat(sd.plannerProfile()).isEqualTo("models/austen-pair-profile.json");
        assertThat(sd.draftDir()).isEqualTo("models/austen-draft");
        assertThat(ad.speculative()).isFalse();
        assertThat(ad.draftDir()).isNull();
        assertThat(ad.plannerProfile()).isNull();
    }

    @Test
    void speculativeModesNeedADraftModelAndUnknownModesAreRefused() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of(
                                                        "tandem.mode", "sd-fixed",
                                                        "tandem.model.draft-dir", ""))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tandem.model.draft-dir")
                .hasMessageContaining("tandem.mode to ad");
        assertThatThrownBy(
                        () -> JobConfig.from(Configuration.fromMap(Map.of("tandem.mode", "fast"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tandem.mode=fast")
                .hasMessageContaining("sd, sd-fixed or ad");
    }

    @Test
    void emulatedStagesTakeTheirProfileAndThePlannerPlansWithItUnlessToldOtherwise()
            throws Exception {
        String profile = BundledModel.gpuProfile("h200-68m-7b").toString();
        JobConfig.Generation emulated =
                JobConfig.from(
                                Configuration.fromMap(
                                        Map.of(
                                                "tandem.model.engine", "emulated",
                                                "tandem.model.profile", profile,
                                                "tandem.model.acceptance", "0.9;0.7")))
                        .generation();

        assertThat(emulated.engine().emulated()).isTrue();
        assertThat(emulated.plannerProfile()).isEqualTo(profile);
        assertThat(emulated.contextLength()).isEqualTo(2048);
        assertThat(emulated.targetSource().isEmulated()).isTrue();
        assertThat(emulated.draftSource().acceptance()).containsExactly(0.9, 0.7);
        assertThat(
                        JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of(
                                                        "tandem.model.engine", "emulated",
                                                        "tandem.model.profile", profile,
                                                        "tandem.planner.profile", "other.json")))
                                .generation()
                                .plannerProfile())
                .isEqualTo("other.json");
        JobConfig.Generation real = JobConfig.from(new Configuration()).generation();
        assertThat(real.engine().emulated()).isFalse();
        assertThat(real.targetSource().isEmulated()).isFalse();
    }

    @Test
    void emulationNeedsAProfileAndRatesInUnitRange() {
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.model.engine", "emulated"))))
                .hasMessageContaining("tandem.model.profile");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of("tandem.model.engine", "onnx"))))
                .hasMessageContaining("tandem.model.engine=onnx")
                .hasMessageContaining("djl or emulated");
        assertThatThrownBy(
                        () ->
                                JobConfig.from(
                                        Configuration.fromMap(
                                                Map.of(
                                                        "tandem.model.engine", "emulated",
                                                        "tandem.model.profile", "p.json",
                                                        "tandem.model.acceptance", "0.8;1.5"))))
                .hasMessageContaining("tandem.model.acceptance=1.5");
    }
}
