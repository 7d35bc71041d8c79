package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import io.tandem.cli.replay.ReplayOutcome.Status;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplayReportTest {

    private static final ReplayReport.Setup SETUP =
            new ReplayReport.Setup(
                    Path.of("traces/azure-sample.csv"),
                    TraceFormat.AZURE,
                    "embedded",
                    "sd",
                    20,
                    Long.MAX_VALUE);

    @Test
    void summarisesLatencyThroughputAndAcceptanceOverTheAnsweredRequests() {
        List<ReplayOutcome> outcomes = new ArrayList<>();
        // ten answered: latencies 100..1000 ms, sent every 100 ms, last answer at 2000 ms
        for (int i = 1; i <= 10; i++) {
            outcomes.add(answered(i, 100.0 * (i - 1), 100.0 * i, i == 10 ? 2000 : 500, 20, 10, 6));
        }
        outcomes.add(unanswered(11, Status.LOST));
        outcomes.add(unanswered(12, Status.REJECTED));

        ReplayReport report = new ReplayReport(SETUP, ending(false, 1), outcomes);
        JsonObject summary = report.summary();

        assertThat(summary.get("requests").getAsInt()).isEqualTo(12);
        assertThat(summary.get("answered").getAsInt()).isEqualTo(10);
        assertThat(summary.get("lost").getAsInt()).isEqualTo(1);
        assertThat(summary.get("rejected").getAsInt()).isEqualTo(1);
        assertThat(summary.get("duplicated").getAsInt()).isEqualTo(1);
        // nearest rank over the ten answered
        assertThat(summary.get("p50_ms").getAsDouble()).isEqualTo(500.0);
        assertThat(summary.get("p90_ms").getAsDouble()).isEqualTo(900.0);
        assertThat(summary.get("p99_ms").getAsDouble()).isEqualTo(1000.0);
        // ten answers from the first send (0 ms) to the last answer (2000 ms)
        assertThat(summary.get("throughput_rps").getAsDouble()).isCloseTo(5.0, within(1e-9));
        assertThat(summary.get("output_tokens_per_s").getAsDouble()).isCloseTo(100.0, within(1e-9));
        assertThat(summary.get("acceptance_rate").getAsDouble()).isCloseTo(0.6, within(1e-9));
        assertThat(summary.getAsJsonObject("mean_parts_ms").get("verify").getAsDouble())
                .isEqualTo(40.0);
        // every part of the latency, admission at the loop head included
        assertThat(summary.getAsJsonObject("mean_parts_ms").keySet())
                .containsExactly(
                        "kafka_in",
                        "batching",
                        "admission",
                        "waiting",
                        "loop_overhead",
                        "draft",
                        "verify",
                        "delivery");
        assertThat(summary.getAsJsonObject("mean_parts_ms").get("admission").getAsDouble())
                .isEqualTo(7.0);
        assertThat(report.complete()).isFalse();
    }

    @Test
    void anInterruptedReplayIsPartialAndCallsTheMissingInFlight() {
        ReplayReport report =
                new ReplayReport(
                        SETUP,
                        ending(true, 0),
                        List.of(
                                answered(1, 0, 100, 100, 8, 0, 0),
                                unanswered(2, Status.IN_FLIGHT)));

        JsonObject summary = report.summary();
        assertThat(summary.get("interrupted").getAsBoolean()).isTrue();
        assertThat(summary.get("in_flight").getAsInt()).isEqualTo(1);
        assertThat(summary.get("lost").getAsInt()).isZero();
        // nothing drafted: no acceptance rate rather than 0 or NaN
        assertThat(summary.has("acceptance_rate")).isFalse();
        assertThat(report.complete()).isFalse();
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        report.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8))
                .contains("INTERRUPTED: partial, 2 of 12 sent")
                .contains("in flight");
    }

    @Test
    void aFullReplayWithEveryAnswerOnceIsComplete() {
        ReplayReport report =
                new ReplayReport(SETUP, ending(false, 0), List.of(answered(1, 0, 50, 50, 4, 4, 4)));

        assertThat(report.complete()).isTrue();
    }

    @Test
    void writesOneCsvRowPerRequestWithTextQuotedAndUnmeasuredLeftEmpty(@TempDir Path dir)
            throws Exception {
        ReplayOutcome rejected =
                ReplayOutcome.unanswered(
                        3,
                        "t-3",
                        Status.REJECTED,
                        new ReplayOutcome.Sent(0, 0, 0, 5, 5, false),
                        10,
                        "BAD_PARAMETER: temperature \"-1\", max 2");
        ReplayReport report =
                new ReplayReport(
                        SETUP,
                        ending(false, 0),
                        List.of(answered(1, 0, 50, 50, 4, 4, 4), rejected));

        List<Path> files = report.write(dir);

        assertThat(files).contains(dir.resolve("summary.json"), dir.resolve("requests.csv"));
        List<String> lines = Files.readAllLines(dir.resolve("requests.csv"));
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("line,id,status,arrivalMs,");
        assertThat(lines.get(1)).startsWith("1,t-1,answered,");
        assertThat(lines.get(2))
                .startsWith("3,t-3,rejected,")
                .contains(",,") // latency was not measured
                .endsWith("\"BAD_PARAMETER: temperature \"\"-1\"\", max 2\"");
    }

    private static ReplayReport.Ending ending(boolean interrupted, int duplicated) {
        return new ReplayReport.Ending(
                12,
                new Replay.Sending(12, 1.5, interrupted),
                interrupted,
                null,
                2_500,
                duplicated,
                0,
                new PromptSynthesizer.Capping(0, 0, 0),
                List.of(),
                0,
                64);
    }

    private static ReplayOutcome answered(
            long line,
            double dueMs,
            double latencyMs,
            double answeredMs,
            int tokens,
            int drafted,
            int accepted) {
        return new ReplayOutcome(
                line,
                "t-" + line,
                Status.ANSWERED,
                new ReplayOutcome.Sent(dueMs * 20, dueMs, 0.1, 20, tokens, false),
                answeredMs,
                latencyMs,
                new ReplayOutcome.Answer(
                        tokens,
                        4,
                        drafted,
                        accepted,
                        drafted > 0 ? 3 : 0,
                        5,
                        10,
                        7,
                        20,
                        2,
                        10,
                        40,
                        3,
                        2,
                        0),
                "");
    }

    private static ReplayOutcome unanswered(long line, Status status) {
        return ReplayOutcome.unanswered(
                line,
                "t-" + line,
                status,
                new ReplayOutcome.Sent(0, 0, 0, 20, 8, false),
                Double.NaN,
                "no answer");
    }
}
