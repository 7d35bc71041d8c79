package io.tandem.cli.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.cli.TandemCli;
import io.tandem.testkit.BundledModel;
import io.tandem.testkit.ChildJvm;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./tandem serve} in a JVM of its own, as a user starts it in one terminal, and {@code
 * ./tandem send} against it as from another: one prompt answered, prompts from standard input
 * answered each, an empty prompt refused with its dead letter; then Ctrl-C (an interrupt signal)
 * stops the serving JVM, which removes its file and leaves no process behind.
 */
class ServeSendITCase {

    /** What one run of {@code send} printed, and its exit status. */
    private record Sent(int status, String out, String err) {}

    @Test
    void sendIsAnsweredByAServedJobThatCtrlCStops(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("serve.json");
        Path log = dir.resolve("serve.log");
        Process serve = start(state, log);
        try {
            awaitReady(serve, log);
            assertThat(state).isRegularFile();

            Sent one =
                    send(
                            null,
                            "It is a truth universally acknowledged",
                            "--state",
                            state.toString(),
                            "--max-new-tokens",
                            "12");
            assertThat(one.status()).as(one.err()).isZero();
            assertThat(one.out()).contains("LENGTH after 12 tokens").contains(" ms: queueing ");

            Sent lines =
                    send(
                            "Mr. Darcy walked\n\nEmma Woodhouse, handsome, clever, and rich,\n",
                            "-",
                            "--state",
                            state.toString(),
                            "--max-new-tokens",
                            "8");
            assertThat(lines.status()).as(lines.err()).isZero();
            assertThat(lines.out()).contains("[1] ").contains("[2] ").doesNotContain("[3] ");

            Sent empty = send(null, "", "--state", state.toString());
            assertThat(empty.status()).isEqualTo(SendCommand.REJECTED);
            assertThat(empty.err()).contains("Refused (PROMPT_EMPTY, field prompt)");

            Sent json =
                    send(
                            null,
                            "Captain Wentworth",
                            "--state",
                            state.toString(),
                            "--max-new-tokens",
                            "4",
                            "--json");
            assertThat(json.status()).as(json.err()).isZero();
            assertThat(json.out()).contains("\"finishReason\": \"LENGTH\"");
        } finally {
            List<ProcessHandle> descendants = serve.descendants().toList();
            new ProcessBuilder("kill", "-INT", String.valueOf(serve.pid())).start().waitFor();
            boolean ended = serve.waitFor(120, TimeUnit.SECONDS);
            if (!ended) {
                serve.destroyForcibly();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(ended).as("serve stopped on Ctrl-C; it printed:%n%s", output).isTrue();
            assertThat(output).contains("Stopped.");
            assertThat(descendants).noneMatch(ProcessHandle::isAlive);
            assertThat(state).doesNotExist();
        }
    }

    private static Process start(Path state, Path log) throws Exception {
        List<String> command = new ArrayList<>();
        // Ctrl-C's signal, which a JVM started from a background job would inherit as ignored
        command.add("env");
        command.add("--default-signal=INT");
        command.addAll(ChildJvm.java("1500m"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(TandemCli.class.getName());
        command.add("serve");
        command.add("--state");
        command.add(state.toString());
        command.add("--model-dir");
        command.add(BundledModel.target().toAbsolutePath().toString());
        command.add("--draft-dir");
        command.add(BundledModel.draft().toAbsolutePath().toString());
        command.add("--set");
        command.add("tandem.planner.profile=" + BundledModel.pairProfile().toAbsolutePath());
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    private static void awaitReady(Process serve, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            String output = Files.readString(log, StandardCharsets.UTF_8);
            if (output.contains("Ready in")) {
                return;
            }
            assertThat(serve.isAlive()).as("serve ended early; it printed:%n%s", output).isTrue();
            Thread.sleep(500);
        }
        throw new AssertionError(
                "serve not ready in 240 s; it printed:\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
    }

    /** Runs {@code send} in this JVM with {@code stdin} (or none) and captures what it printed. */
    private static synchronized Sent send(String stdin, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        InputStream in = System.in;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            if (stdin != null) {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            }
            int status = new CommandLine(new SendCommand()).execute(args);
            return new Sent(
                    status,
                    outBytes.toString(StandardCharsets.UTF_8),
                    errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
        }
    }
}
