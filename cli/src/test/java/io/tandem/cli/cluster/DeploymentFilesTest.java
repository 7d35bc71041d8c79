package io.tandem.cli.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.job.TandemJob;
import io.tandem.job.config.ConfigFiles;
import io.tandem.job.config.JobConfig;
import io.tandem.job.config.JobConfig.StageResources;
import io.tandem.job.config.OptionDocs;
import io.tandem.job.config.TandemOptions;
import io.tandem.local.StandaloneCluster;
import io.tandem.model.EngineCheck;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.flink.api.common.resources.ExternalResource;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.YamlParserUtils;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The images, the compose files and the Kubernetes manifests in {@code docker/}, checked against
 * the project without a Docker engine or a Kubernetes cluster (neither runs on the machines that
 * build Tandem): versions match the pom, every path they copy or mount exists, the entrypoint is
 * the script the cluster tests start every Flink process with, every {@code tandem.*} key is in the
 * configuration reference and every job setting is valid, the slot sharing groups fit only the pool
 * they belong to, and each TaskManager's Flink memory fits its container.
 */
class DeploymentFilesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DOCKER = ROOT.resolve("docker");
    private static final String ENTRYPOINT = "/opt/tandem/bin/tandem-node";

    private static Map<String, String> pom;
    private static Map<String, String> flinkConfig;

    @TempDir Path tmp;

    @BeforeAll
    static void readProject() throws Exception {
        Document doc =
                DocumentBuilderFactory.newInstance()
                        .newDocumentBuilder()
                        .parse(ROOT.resolve("pom.xml").toFile());
        pom = new HashMap<>();
        // images are tagged with the release the snapshot leads to
        pom.put(
                "image.tag",
                doc.getElementsByTagName("version")
                        .item(0)
                        .getTextContent()
                        .replace("-SNAPSHOT", ""));
        for (String property :
                List.of("flink.version", "kafka.version", "maven.compiler.release")) {
            pom.put(property, doc.getElementsByTagName(property).item(0).getTextContent());
        }
        flinkConfig = ConfigFiles.read(DOCKER.resolve("conf/config.yaml"));
    }

    @Test
    void jobImageIsBuiltOnTheOfficialFlinkImageOfThePomsVersions() throws IOException {
        List<String[]> dockerfile = instructions(DOCKER.resolve("Dockerfile"));
        assertThat(argument(dockerfile, "ARG", "FLINK_VERSION"))
                .isEqualTo(pom.get("flink.version"));
        assertThat(args(dockerfile, "FROM"))
                .contains(
                        "flink:${FLINK_VERSION}-scala_2.12-java"
                                + pom.get("maven.compiler.release"));
        assertThat(args(dockerfile, "ENTRYPOINT")).containsExactly("[\"" + ENTRYPOINT + "\"]");
        assertThat(args(dockerfile, "EXPOSE").get(0).split(" "))
                .contains(
                        flinkConfig.get("jobmanager.rpc.port"),
                        flinkConfig.get("blob.server.port"),
                        flinkConfig.get("rest.port"),
                        flinkConfig.get("metrics.reporter.prom.port"));
        assertThat(String.join("\n", args(dockerfile, "RUN")))
                .contains(EngineCheck.class.getName());
    }

    @Test
    void everythingTheImagesCopyExistsOrIsBuiltByMaven() throws IOException {
        for (String file : List.of("Dockerfile", "Dockerfile.gpu")) {
            for (String copy : args(instructions(DOCKER.resolve(file)), "COPY")) {
                String[] parts = copy.split("\\s+");
                String source = parts[parts.length - 2];
                Path path =
                        copy.startsWith("--from=build")
                                ? ROOT.resolve(source.substring("/src/".length()))
                                : ROOT.resolve(source);
                assertThat(path).as("%s: COPY %s", file, copy).exists();
            }
        }
        Path lib = ROOT.resolve("job/target/image/lib");
        assertThat(ROOT.resolve("job/target/image/usrlib/tandem-job.jar")).isRegularFile();
        assertThat(jarNames(lib))
                .anyMatch(name -> name.startsWith("pytorch-native-cpu-"))
                .anyMatch(name -> name.startsWith("pytorch-engine-"))
                .anyMatch(name -> name.startsWith("api-"));
        assertThat(String.join("\n", args(instructions(DOCKER.resolve("Dockerfile.gpu")), "RUN")))
                .contains("/opt/flink/lib/pytorch-native-cpu-*.jar");
        assertThat(argument(instructions(DOCKER.resolve("Dockerfile.gpu")), "ARG", "TANDEM_IMAGE"))
                .isEqualTo("tandem:" + pom.get("image.tag"));
    }

    /**
     * Everything in the images' lib/ is loaded parent-first: a class of DJL's from a job's class
     * loader would load the natives a second time after a restart, and fail.
     */
    @Test
    void everyClassInTheImagesLibIsParentFirst() throws IOException {
        List<String> patterns =
                List.of(flinkConfig.get("classloader.parent-first-patterns.additional").split(";"));
        Set<String> packages = new TreeSet<>();
        for (String jar : jarNames(ROOT.resolve("job/target/image/lib"))) {
            try (JarFile file =
                    new JarFile(ROOT.resolve("job/target/image/lib").resolve(jar).toFile())) {
                file.stream()
                        .map(entry -> entry.getName())
                        .filter(name -> name.endsWith(".class") && !name.startsWith("META-INF/"))
                        .map(name -> name.substring(0, name.lastIndexOf('/') + 1).replace('/', '.'))
                        .forEach(packages::add);
            }
        }
        assertThat(packages).isNotEmpty();
        assertThat(packages).allSatisfy(pkg -> assertThat(patterns).anyMatch(pkg::startsWith));
    }

    @Test
    void theEntrypointIsTheScriptTheClusterTestsStartEveryFlinkProcessWith() throws IOException {
        byte[] script = Files.readAllBytes(DOCKER.resolve("bin/tandem-node"));
        try (InputStream resource = StandaloneCluster.entrypointScript()) {
            assertThat(resource.readAllBytes()).isEqualTo(script);
        }
        assertThat(DOCKER.resolve("bin/tandem-node")).isExecutable();
        assertThat(
                        args(instructions(DOCKER.resolve("Dockerfile")), "COPY").stream()
                                .filter(copy -> copy.endsWith(ENTRYPOINT)))
                .containsExactly("docker/bin/tandem-node " + ENTRYPOINT);
    }

    @Test
    void theEntrypointScriptParses() throws Exception {
        Process bash =
                new ProcessBuilder("bash", "-n", DOCKER.resolve("bin/tandem-node").toString())
                        .redirectErrorStream(true)
                        .start();
        assertThat(bash.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(bash.exitValue())
                .as(new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isZero();
    }

    @Test
    void composeStartsKafkaTheJobInApplicationModeBothPoolsAndTheMonitoring() throws IOException {
        Map<String, Object> services = services(DOCKER.resolve("compose.yaml"));
        assertThat(services)
                .containsKeys(
                        "kafka",
                        "topics",
                        "jobmanager",
                        "draft-taskmanager",
                        "verify-taskmanager",
                        "prometheus",
                        "grafana");
        assertThat(map(services, "kafka").get("image"))
                .isEqualTo("apache/kafka:" + pom.get("kafka.version"));
        assertThat(map(services, "topics").get("image"))
                .isEqualTo(map(services, "kafka").get("image"));
        String topics = String.valueOf(map(services, "topics").get("command"));
        for (ConfigOption<String> topic :
                List.of(
                        TandemOptions.REQUESTS_TOPIC,
                        TandemOptions.RESULTS_TOPIC,
                        TandemOptions.DEAD_LETTER_TOPIC)) {
            assertThat(topics).contains(topic.defaultValue());
        }

        Map<String, Object> jobmanager = map(services, "jobmanager");
        assertThat(jobmanager.get("hostname")).isEqualTo(flinkConfig.get("jobmanager.rpc.address"));
        List<?> command = (List<?>) jobmanager.get("command");
        assertThat(command.get(0)).isEqualTo("application");
        assertThat(command.get(command.indexOf("--config") + 1))
                .isEqualTo("/opt/tandem/conf/tandem.yaml");
        assertThat(String.valueOf(jobmanager.get("ports")))
                .contains(flinkConfig.get("rest.port") + ":8081");
        for (String pool : List.of("draft-taskmanager", "verify-taskmanager")) {
            assertThat(map(services, pool).get("command")).isEqualTo(List.of("taskmanager"));
        }
        for (String service : List.of("jobmanager", "draft-taskmanager", "verify-taskmanager")) {
            assertThat(map(services, service).get("image"))
                    .isEqualTo("tandem:" + pom.get("image.tag"));
            Map<String, Object> build = map(map(services, service), "build");
            assertThat(
                            DOCKER.resolve((String) build.get("context"))
                                    .resolve((String) build.get("dockerfile")))
                    .isRegularFile();
        }

        String prometheus = Files.readString(DOCKER.resolve("prometheus/prometheus.yml"));
        assertThat(prometheus)
                .contains("port: " + flinkConfig.get("metrics.reporter.prom.port"))
                .contains("[jobmanager, draft-taskmanager, verify-taskmanager]");
        for (String service : List.of("prometheus", "grafana")) {
            for (Object volume : (List<?>) map(services, service).get("volumes")) {
                String hostPath = String.valueOf(volume).split(":")[0];
                assertThat(DOCKER.resolve(hostPath)).as("%s volume %s", service, volume).exists();
            }
        }
    }

    @Test
    void composeJobSettingsAreValidAndKeepEachStageOnItsPool() throws IOException {
        JobConfig job = jobConfig(DOCKER.resolve("conf/tandem.yaml"));
        Map<String, Object> services = services(DOCKER.resolve("compose.yaml"));
        assertStagesKeepToTheirPools(
                job,
                taskManager(properties(map(services, "draft-taskmanager"))),
                taskManager(properties(map(services, "verify-taskmanager"))));
        for (String pool : List.of("draft-taskmanager", "verify-taskmanager")) {
            Map<String, Object> service = map(services, pool);
            MemorySize limit =
                    MemorySize.parse(
                            (String)
                                    map(map(map(service, "deploy"), "resources"), "limits")
                                            .get("memory"));
            assertThat(processMemory(taskManager(properties(service))))
                    .as("%s: Flink's process memory within the container's limit", pool)
                    .isLessThanOrEqualTo(limit);
        }
    }

    @Test
    void theGpuOverlayReservesAGpuThatTheVerifyPoolDeclaresAndTheTargetUses() throws IOException {
        Map<String, Object> services = services(DOCKER.resolve("compose.gpu.yaml"));
        Map<String, Object> verify = map(services, "verify-taskmanager");
        assertThat(String.valueOf(map(map(verify, "deploy"), "resources").get("reservations")))
                .contains("driver=nvidia")
                .contains("capabilities=[gpu]");
        assertThat(map(verify, "build").get("dockerfile")).isEqualTo("docker/Dockerfile.gpu");
        assertThat(verify.get("image")).isEqualTo("tandem-gpu:" + pom.get("image.tag"));
        assertThat(map(map(verify, "build"), "args"))
                .containsEntry("TANDEM_IMAGE", "tandem:" + pom.get("image.tag"));
        Configuration verifyTm = taskManager(properties(verify));
        assertThat(gpus(verifyTm)).isEqualTo(1);
        assertThat(String.valueOf(map(services, "jobmanager").get("command")))
                .contains(TandemOptions.MODEL_DEVICE.key() + "=gpu");

        JobConfig job =
                jobConfig(
                        DOCKER.resolve("conf/tandem.yaml"),
                        Map.of(TandemOptions.MODEL_DEVICE.key(), "gpu"));
        assertStagesKeepToTheirPools(
                job,
                taskManager(
                        properties(
                                map(
                                        services(DOCKER.resolve("compose.yaml")),
                                        "draft-taskmanager"))),
                verifyTm);
    }

    @Test
    void kubernetesManifestsAreCompleteAndConsistent() throws IOException {
        Path k8s = DOCKER.resolve("k8s");
        Map<String, Object> kustomization = loadYaml(k8s.resolve("kustomization.yaml"));
        Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
        for (Object resource : (List<?>) kustomization.get("resources")) {
            Map<String, Object> manifest = loadYaml(k8s.resolve((String) resource));
            byKind.put(
                    manifest.get("kind") + "/" + map(manifest, "metadata").get("name"), manifest);
        }
        assertThat(byKind)
                .containsOnlyKeys(
                        "ConfigMap/tandem-config",
                        "Service/tandem-jobmanager",
                        "Deployment/tandem-jobmanager",
                        "Deployment/tandem-draft-taskmanager",
                        "Deployment/tandem-verify-taskmanager");
        Map<String, Object> data = map(byKind.get("ConfigMap/tandem-config"), "data");

        Map<String, Object> jmPod = pod(byKind.get("Deployment/tandem-jobmanager"));
        Map<String, Object> jm = container(jmPod);
        assertThat(jm.get("args"))
                .isEqualTo(List.of("application", "--config", "/etc/tandem/tandem.yaml"));
        assertThat(String.valueOf(jm.get("volumeMounts"))).contains("mountPath=/etc/tandem");
        assertThat(map(map(byKind.get("Service/tandem-jobmanager"), "spec"), "selector"))
                .isEqualTo(map(map(jmPod, "metadata"), "labels"));
        assertThat(properties((String) data.get("jobmanager.properties")))
                .containsEntry("jobmanager.rpc.address", "tandem-jobmanager");

        Map<String, Configuration> pools = new LinkedHashMap<>();
        for (String pool : List.of("draft-taskmanager", "verify-taskmanager")) {
            Map<String, Object> container = container(pod(byKind.get("Deployment/tandem-" + pool)));
            assertThat(container.get("args")).isEqualTo(List.of("taskmanager"));
            assertThat(String.valueOf(container.get("env")))
                    .contains("key=" + pool + ".properties");
            Map<String, String> properties = properties((String) data.get(pool + ".properties"));
            assertThat(properties).containsEntry("jobmanager.rpc.address", "tandem-jobmanager");
            Configuration tm = taskManager(properties);
            pools.put(pool, tm);
            MemorySize limit =
                    MemorySize.parse(
                            String.valueOf(map(map(container, "resources"), "limits").get("memory"))
                                    .replace("Mi", "m")
                                    .replace("Gi", "g"));
            assertThat(processMemory(tm)).as(pool).isLessThanOrEqualTo(limit);
        }
        Map<String, Object> verify =
                container(pod(byKind.get("Deployment/tandem-verify-taskmanager")));
        assertThat(verify.get("image")).isEqualTo("tandem-gpu");
        assertThat(map(map(verify, "resources"), "limits")).containsEntry("nvidia.com/gpu", 1);

        Path settings = tmp.resolve("tandem.yaml");
        Files.writeString(settings, (String) data.get("tandem.yaml"));
        assertStagesKeepToTheirPools(
                jobConfig(settings),
                pools.get("draft-taskmanager"),
                pools.get("verify-taskmanager"));
    }

    @Test
    void kustomizeBuildsTheManifestsWhereKubectlIsInstalled() throws Exception {
        Process kubectl;
        try {
            kubectl =
                    new ProcessBuilder("kubectl", "kustomize", DOCKER.resolve("k8s").toString())
                            .redirectErrorStream(true)
                            .start();
        } catch (IOException e) {
            assumeTrue(false, "kubectl is not installed: " + e.getMessage());
            return;
        }
        String out = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as(out).isZero();
        assertThat(out)
                .contains("image: tandem:" + pom.get("image.tag"))
                .contains("image: tandem-gpu:" + pom.get("image.tag"));
    }

    @Test
    void theOperatorDeploymentRunsTheImagesJobJar() throws IOException {
        Map<String, Object> deployment =
                loadYaml(DOCKER.resolve("k8s/operator/flinkdeployment.yaml"));
        assertThat(deployment.get("kind")).isEqualTo("FlinkDeployment");
        Map<String, Object> spec = map(deployment, "spec");
        assertThat(spec.get("image")).isEqualTo("tandem:" + pom.get("image.tag"));
        String[] flink = pom.get("flink.version").split("\\.");
        assertThat(spec.get("flinkVersion")).isEqualTo("v" + flink[0] + "_" + flink[1]);
        Map<String, Object> job = map(spec, "job");
        assertThat(job.get("jarURI")).isEqualTo("local:///opt/flink/usrlib/tandem-job.jar");
        assertThat(job.get("entryClass")).isEqualTo(TandemJob.class.getName());
        assertThat(
                        map(spec, "flinkConfiguration")
                                .get("classloader.parent-first-patterns.additional"))
                .isEqualTo(flinkConfig.get("classloader.parent-first-patterns.additional"));
    }

    /** Every key of a job settings file is in the configuration reference, and its values valid. */
    private static JobConfig jobConfig(Path file) {
        return jobConfig(file, Map.of());
    }

    /** {@link #jobConfig(Path)}, with {@code overrides} set over the file's settings. */
    private static JobConfig jobConfig(Path file, Map<String, String> overrides) {
        Map<String, String> settings = new LinkedHashMap<>(ConfigFiles.read(file));
        settings.putAll(overrides);
        Set<String> known =
                OptionDocs.all().stream().map(ConfigOption::key).collect(Collectors.toSet());
        assertThat(settings.keySet())
                .as("keys of %s and %s", file, overrides)
                .allSatisfy(key -> assertThat(known).contains(key));
        Configuration conf = new Configuration();
        settings.forEach(conf::setString);
        return JobConfig.from(conf);
    }

    /**
     * The draft group fits only a draft TaskManager and the verify group only a verify one, one of
     * each per TaskManager, with room for two ingest slots beside it.
     */
    private static void assertStagesKeepToTheirPools(
            JobConfig job, Configuration draftTm, Configuration verifyTm) {
        StageResources ingest = job.resources().ingest();
        StageResources draft = job.resources().draft();
        StageResources verify = job.resources().verify();
        assertThat(fits(draft, 1, draftTm)).as("draft group on a draft TaskManager").isTrue();
        assertThat(fits(draft, 1, verifyTm)).as("draft group on a verify TaskManager").isFalse();
        assertThat(fits(verify, 1, verifyTm)).as("verify group on a verify TaskManager").isTrue();
        assertThat(fits(verify, 1, draftTm)).as("verify group on a draft TaskManager").isFalse();
        assertThat(fits(draft, 2, draftTm)).as("two draft groups on one TaskManager").isFalse();
        assertThat(fits(verify, 2, verifyTm)).as("two verify groups on one TaskManager").isFalse();
        assertThat(fits(plus(draft, ingest, ingest), 1, draftTm)).isTrue();
        assertThat(fits(plus(verify, ingest, ingest), 1, verifyTm)).isTrue();
    }

    private static boolean fits(StageResources group, int count, Configuration tm) {
        return count * group.cpuCores() <= tm.get(TaskManagerOptions.CPU_CORES)
                && count * group.taskHeap().getBytes()
                        <= tm.get(TaskManagerOptions.TASK_HEAP_MEMORY).getBytes()
                && count * group.gpus() <= gpus(tm);
    }

    /** How many units of the external resource gpu a TaskManager declares. */
    private static int gpus(Configuration tm) {
        ExternalResource gpu =
                TaskExecutorProcessUtils.processSpecFromConfig(tm)
                        .getExtendedResources()
                        .get(StageResources.GPU);
        return gpu == null ? 0 : gpu.getValue().intValueExact();
    }

    private static StageResources plus(StageResources... groups) {
        double cpu = 0;
        long heap = 0;
        int gpus = 0;
        for (StageResources group : groups) {
            cpu += group.cpuCores();
            heap += group.taskHeap().getBytes();
            gpus += group.gpus();
        }
        return new StageResources(cpu, new MemorySize(heap), gpus);
    }

    /** A TaskManager's configuration: the images' config.yaml with {@code properties} on top. */
    private static Configuration taskManager(Map<String, String> properties) {
        Configuration conf = new Configuration();
        flinkConfig.forEach(conf::setString);
        properties.forEach(conf::setString);
        return conf;
    }

    private static MemorySize processMemory(Configuration tm) {
        return TaskExecutorProcessUtils.processSpecFromConfig(tm).getTotalProcessMemorySize();
    }

    /** A compose service's FLINK_PROPERTIES, read as the entrypoint script reads them. */
    private static Map<String, String> properties(Map<String, Object> service) {
        return properties((String) map(service, "environment").get("FLINK_PROPERTIES"));
    }

    private static Map<String, String> properties(String lines) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (String line : lines.split("\n")) {
            String trimmed = line.trim();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                int colon = trimmed.indexOf(':');
                properties.put(
                        trimmed.substring(0, colon).trim(), trimmed.substring(colon + 1).trim());
            }
        }
        return properties;
    }

    /**
     * The services of a compose file, with YAML merge keys ({@code <<: *anchor}) resolved as
     * Compose resolves them: the YAML 1.2 parser leaves them as a key of their own.
     */
    private static Map<String, Object> services(Path compose) {
        Map<String, Object> services = new LinkedHashMap<>();
        map(loadYaml(compose), "services")
                .forEach(
                        (name, definition) -> {
                            Map<String, Object> service = new LinkedHashMap<>();
                            Map<?, ?> own = (Map<?, ?>) definition;
                            if (own.get("<<") instanceof Map<?, ?> merged) {
                                merged.forEach((k, v) -> service.put((String) k, v));
                            }
                            own.forEach(
                                    (k, v) -> {
                                        if (!k.equals("<<")) {
                                            service.put((String) k, v);
                                        }
                                    });
                            services.put(name, service);
                        });
        return services;
    }

    private static Map<String, Object> loadYaml(Path file) {
        try {
            return YamlParserUtils.loadYamlFile(file.toFile());
        } catch (Exception e) {
            throw new AssertionError(file + " is not valid YAML", e);
        }
    }

    private static Map<String, Object> pod(Map<String, Object> deployment) {
        return map(map(deployment, "spec"), "template");
    }

    private static Map<String, Object> container(Map<String, Object> pod) {
        List<?> containers = (List<?>) map(pod, "spec").get("containers");
        assertThat(containers).hasSize(1);
        return cast(containers.get(0));
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return cast(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object value) {
        assertThat(value).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static List<String> jarNames(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jar"))
                    .toList();
        }
    }

    /** A Dockerfile's instructions as {keyword, arguments}, continuation lines joined. */
    private static List<String[]> instructions(Path dockerfile) throws IOException {
        List<String[]> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile)) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String instruction = current.toString().trim();
            current.setLength(0);
            int space = instruction.indexOf(' ');
            instructions.add(
                    new String[] {
                        instruction.substring(0, space), instruction.substring(space + 1).trim()
                    });
        }
        return instructions;
    }

    private static List<String> args(List<String[]> instructions, String keyword) {
        return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
    }

    /** The default of build argument {@code name}. */
    private static String argument(List<String[]> instructions, String keyword, String name) {
        return args(instructions, keyword).stream()
                .filter(arg -> arg.startsWith(name + "="))
                .map(arg -> arg.substring(name.length() + 1))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + keyword + " " + name));
    }
}
