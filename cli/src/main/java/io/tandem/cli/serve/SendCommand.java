package io.tandem.cli.serve;

import io.tandem.job.config.TandemOptions;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.InferenceResult;
import io.tandem.schemas.LatencyBreakdown;
import io.tandem.schemas.Sampling;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./tandem send}: sends prompts to a serving job as {@link InferenceRequest}s and prints
 * each answer as it comes: the generated text, then how it finished, the speculation figures and
 * where its latency went; or the dead letter that refused it. Finds the job that {@code ./tandem
 * serve} runs by the file it writes, or is told the broker and topics.
 */
@Command(
        name = "send",
        mixinStandardHelpOptions = true,
        description =
                "Send a prompt to a serving job (./tandem serve, or any Tandem job with"
                        + " --bootstrap) and print its answer.")
public final class SendCommand implements java.util.concurrent.Callable<Integer> {

    /** Exit status when a request was refused (dead-lettered). */
    static final int REJECTED = 2;

    /** Exit status when an answer did not come in time. */
    static final int TIMED_OUT = 3;

    @Parameters(
            index = "0",
            paramLabel = "PROMPT",
            description = "The prompt, or - to read prompts from standard input, one per line.")
    String prompt;

    @Option(
            names = "--max-new-tokens",
            paramLabel = "N",
            defaultValue = "64",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--temperature",
            paramLabel = "T",
            defaultValue = "0",
            description = "Sampling temperature; 0 decodes greedily (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(
            names = "--top-p",
            paramLabel = "P",
            defaultValue = "1",
            description = "Nucleus sampling mass, in (0, 1] (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description = "Sampling seed (default: derived from the request id).")
    Long seed;

    @Option(
            names = "--bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka of the serving job (default: the one ./tandem serve runs).")
    String bootstrap;

    @Option(
            names = "--requests-topic",
            paramLabel = "TOPIC",
            description = "Default: the serving job's, else tandem-requests.")
    String requestsTopic;

    @Option(
            names = "--results-topic",
            paramLabel = "TOPIC",
            description = "Default: the serving job's, else tandem-results.")
    String resultsTopic;

    @Option(
            names = "--dead-letter-topic",
            paramLabel = "TOPIC",
            description = "Default: the serving job's, else tandem-dead-letters.")
    String deadLetterTopic;

    @Option(
            names = "--state",
            paramLabel = "FILE",
            defaultValue = ServeFile.DEFAULT,
            description = "The file ./tandem serve writes (default: ${DEFAULT-VALUE}).")
    Path state;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT2M",
            description = "How long to wait for each answer, as ISO-8601 (default: 2 minutes).")
    Duration timeout;

    @Option(names = "--json", description = "Print each answer as its Avro record, in JSON.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        Optional<ServeFile> served = ServeFile.read(ServeFile.locate(state));
        if (bootstrap == null && served.isEmpty()) {
            System.err.println(
                    "No ./tandem serve is running here (no "
                            + state
                            + " naming a live process): start one, or pass --bootstrap.");
            return 1;
        }
        String servers = bootstrap != null ? bootstrap : served.get().bootstrapServers();
        String requests =
                topic(
                        requestsTopic,
                        served.map(ServeFile::requestsTopic),
                        TandemOptions.REQUESTS_TOPIC.defaultValue());
        String results =
                topic(
                        resultsTopic,
                        served.map(ServeFile::resultsTopic),
                        TandemOptions.RESULTS_TOPIC.defaultValue());
        String deadLetters =
                topic(
                        deadLetterTopic,
                        served.map(ServeFile::deadLetterTopic),
                        TandemOptions.DEAD_LETTER_TOPIC.defaultValue());
        List<String> prompts = prompts();
        try (ServingClient client =
                new ServingClient(servers, requests, results, deadLetters, timeout)) {
            List<Sent> open = new ArrayList<>();
            for (int line = 0; line < prompts.size(); line++) {
                InferenceRequest request = request(prompts.get(line));
                open.add(
                        new Sent(
                                label(line, prompts.size()),
                                request.getRequestId(),
                                client.submit(request)));
            }
            int status = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            // answers print in the order they come
            while (!open.isEmpty()) {
                long left = deadline - System.nanoTime();
                try {
                    CompletableFuture.anyOf(
                                    open.stream()
                                            .map(Sent::answer)
                                            .toArray(CompletableFuture[]::new))
                            .get(Math.max(0, left), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    for (Sent missing : open) {
                        System.err.printf(
                                "%sNo answer to request %s within %d s.%n",
                                missing.label(), missing.requestId(), timeout.toSeconds());
                    }
                    return TIMED_OUT;
                }
                for (Iterator<Sent> it = open.iterator(); it.hasNext(); ) {
                    Sent sent = it.next();
                    if (sent.answer().isDone()) {
                        it.remove();
                        Answers.Answer answer = sent.answer().join();
                        print(out, sent.label(), answer);
                        if (answer.rejected()) {
                            status = REJECTED;
                        }
                    }
                }
            }
            return status;
        }
    }

    /** A request sent, its line's label where there are several, and its answer to come. */
    private record Sent(String label, String requestId, CompletableFuture<Answers.Answer> answer) {}

    private List<String> prompts() throws Exception {
        if (!prompt.equals("-")) {
            return List.of(prompt);
        }
        List<String> lines = new ArrayList<>();
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            // blank lines separate prompts in a file; an empty prompt is sent as an argument
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }

    private InferenceRequest request(String text) {
        return InferenceRequest.newBuilder()
                .setRequestId("send-" + UUID.randomUUID().toString().substring(0, 8))
                .setPrompt(text)
                .setMaxNewTokens(maxNewTokens)
                .setSampling(new Sampling(temperature, topP, seed))
                .setClientSendTime(Instant.now())
                .build();
    }

    private void print(PrintStream out, String label, Answers.Answer answer) {
        if (json) {
            out.println(answer.rejected() ? answer.deadLetter() : answer.result());
        } else if (answer.rejected()) {
            DeadLetter letter = answer.deadLetter();
            System.err.printf(
                    "%sRefused (%s%s): %s%n",
                    label,
                    letter.getErrorCode(),
                    letter.getField() == null ? "" : ", field " + letter.getField(),
                    letter.getReason());
        } else {
            InferenceResult result = answer.result();
            out.println(label + result.getText());
            figures(result).lines().forEach(line -> out.println(label + line));
        }
    }

    /** How a result finished, what speculation did for it, and where its latency went. */
    static String figures(InferenceResult result) {
        LatencyBreakdown latency = result.getLatency();
        StringBuilder line =
                new StringBuilder()
                        .append("  ")
                        .append(result.getFinishReason())
                        .append(" after ")
                        .append(result.getGeneratedTokens())
                        .append(" tokens in ")
                        .append(result.getRounds())
                        .append(" rounds, mode ")
                        .append(result.getMode());
        if (result.getDraftedTokens() > 0) {
            line.append(
                    String.format(
                            ", %d of %d drafted tokens accepted (%.0f %%)",
                            result.getAcceptedTokens(),
                            result.getDraftedTokens(),
                            100.0 * result.getAcceptedTokens() / result.getDraftedTokens()));
        }
        if (result.getError() != null) {
            line.append(", error: ").append(result.getError());
        }
        line.append(
                String.format(
                        "%n  %.0f ms: queueing %.0f, batching %.0f, draft %.0f, verify %.0f, round"
                                + " overhead %.0f, loop %.0f",
                        latency.getTotalMs(),
                        latency.getQueueingMs(),
                        latency.getBatchingMs(),
                        latency.getDraftMs(),
                        latency.getVerifyMs(),
                        latency.getRoundOverheadMs(),
                        latency.getLoopMs()));
        return line.toString();
    }

    private static String label(int line, int lines) {
        return lines == 1 ? "" : "[" + (line + 1) + "] ";
    }

    private static String topic(String given, Optional<String> served, String fallback) {
        return given != null ? given : served.orElse(fallback);
    }
}
