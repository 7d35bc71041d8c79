package io.tandem.cli.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.tandem.cli.LocalCluster;
import io.tandem.cli.serve.LocalServing;
import io.tandem.cli.serve.ServingClient;
import io.tandem.job.JobOptions;
import io.tandem.schemas.AvroBytes;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.testkit.BundledModel;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client examples of docs/clients.md, which speak plain Kafka and plain Avro without Tandem's
 * Java code, against a served job: the Node.js one end to end (its packages installed from the npm
 * registry with {@code npm ci}); the Python one's Avro half both ways (its Kafka client, {@code
 * confluent-kafka}, is not installable here). Each is skipped, saying why, where its runtime or
 * packages are missing.
 */
class ClientsITCase {

    private static final Path CLIENTS = Path.of("..", "clients").toAbsolutePath().normalize();

    private static LocalServing serving;

    @BeforeAll
    static void serve() throws Exception {
        JobOptions job = new JobOptions();
        new CommandLine(job)
                .parseArgs(
                        "--model-dir",
                        BundledModel.target().toString(),
                        "--draft-dir",
                        BundledModel.draft().toString(),
                        "--set",
                        "tandem.planner.profile=" + BundledModel.pairProfile());
        LocalCluster cluster = new LocalCluster();
        new CommandLine(cluster).parseArgs();
        serving =
                LocalServing.start(
                        job,
                        cluster,
                        Duration.ofMinutes(3),
                        new CountDownLatch(1),
                        new PrintStream(OutputStream.nullOutputStream()));
    }

    @AfterAll
    static void stop() {
        if (serving != null) {
            serving.close();
        }
    }

    @Test
    void theNodeClientGetsAnAnswerAndADeadLetter(@TempDir Path dir) throws Exception {
        Path node = CLIENTS.resolve("node");
        assumeTrue(runs(dir, node, "node", "--version"), "node is not installed: skipped");
        assumeTrue(
                runs(dir, node, "npm", "ci", "--no-audit", "--no-fund"),
                "npm ci could not install kafkajs and avsc (no npm registry?): skipped");

        Run run =
                run(
                        dir,
                        node,
                        "node",
                        "send.mjs",
                        "--bootstrap",
                        serving.config().kafka().bootstrapServers(),
                        "--max-new-tokens",
                        "8",
                        "It is a truth universally acknowledged",
                        "");

        assertThat(run.status()).as(run.output()).isZero();
        List<JsonObject> lines =
                run.output()
                        .lines()
                        .filter(l -> l.startsWith("{"))
                        .map(l -> JsonParser.parseString(l).getAsJsonObject())
                        .toList();
        assertThat(lines).as(run.output()).hasSize(2);
        JsonObject result = lines.stream().filter(l -> l.has("text")).findFirst().orElseThrow();
        assertThat(result.get("finishReason").getAsString()).isEqualTo("LENGTH");
        assertThat(result.get("generatedTokens").getAsInt()).isEqualTo(8);
        assertThat(result.get("text").getAsString()).isNotEmpty();
        JsonObject refused =
                lines.stream().filter(l -> l.has("deadLetter")).findFirst().orElseThrow();
        assertThat(refused.getAsJsonObject("deadLetter").get("errorCode").getAsString())
                .isEqualTo("PROMPT_EMPTY");
    }

    @Test
    void thePythonClientsAvroIsTandems(@TempDir Path dir) throws Exception {
        Path python = CLIENTS.resolve("python");
        assumeTrue(
                runs(dir, python, "python3", "-c", "import fastavro"),
                "python3 with fastavro is not installed: skipped");

        // what the client would produce, as Tandem reads it
        Run encoded =
                run(
                        dir,
                        python,
                        "python3",
                        "-c",
                        "import send; print(send.encode_request(send.load_schemas(), 'py-1',"
                                + " 'Mr. Darcy walked', 12, 1700000000000).hex())");
        assertThat(encoded.status()).as(encoded.output()).isZero();
        InferenceRequest request =
                AvroBytes.decode(
                        HexFormat.of().parseHex(encoded.output().strip()), InferenceRequest.class);
        assertThat(request.getRequestId()).isEqualTo("py-1");
        assertThat(request.getPrompt()).isEqualTo("Mr. Darcy walked");
        assertThat(request.getMaxNewTokens()).isEqualTo(12);
        assertThat(request.getMetadata()).containsEntry("client", "python");

        // what Tandem answers, as the client reads it
        InferenceResult result;
        try (ServingClient sender = new ServingClient(serving.config(), Duration.ofMinutes(2))) {
            result = sender.send("Mr. Darcy walked", 6, "for-python").result();
        }
        Run decoded =
                run(
                        dir,
                        python,
                        "python3",
                        "-c",
                        "import json, send; print(json.dumps(send.answer_line(send.load_schemas(),"
                                + " 'results', bytes.fromhex('"
                                + HexFormat.of().formatHex(AvroBytes.encode(result))
                                + "'), 'results')[1]))");
        assertThat(decoded.status()).as(decoded.output()).isZero();
        JsonObject line = JsonParser.parseString(decoded.output().strip()).getAsJsonObject();
        assertThat(line.get("requestId").getAsString()).isEqualTo("for-python");
        assertThat(line.get("text").getAsString()).isEqualTo(result.getText());
        assertThat(line.get("generatedTokens").getAsInt()).isEqualTo(6);
    }

    private record Run(int status, String output) {}

    private static boolean runs(Path dir, Path in, String... command) {
        try {
            return run(dir, in, command).status() == 0;
        } catch (IOException e) {
            return false; // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Run run(Path dir, Path in, String... command)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile(dir, "run", ".log");
        Process process =
                new ProcessBuilder(command)
                        .directory(in.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        if (!process.waitFor(180, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new Run(
                process.isAlive() ? -1 : process.exitValue(),
                Files.readString(log, StandardCharsets.UTF_8));
    }
}
