package io.tandem.cli.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceReaderTest {

    @Test
    void readsAzureCsvWithArrivalsRelativeToTheFirstRequest(@TempDir Path dir) throws IOException {
        Path trace =
                write(
                        dir,
                        "t.csv",
                        "TIMESTAMP,ContextTokens,GeneratedTokens",
                        "2023-11-16 18:15:46.6805900,374,44",
                        "2023-11-16 18:15:50.9951690,396,109",
                        "2024-05-10 00:00:00.000000,12,3");

        List<TraceRequest> requests = read(trace, TraceFormat.AZURE);

        assertThat(requests).extracting(TraceRequest::inputTokens).containsExactly(374, 396, 12);
        assertThat(requests).extracting(TraceRequest::outputTokens).containsExactly(44, 109, 3);
        assertThat(requests.get(0).arrivalMs()).isZero();
        assertThat(requests.get(1).arrivalMs()).isEqualTo(4314);
        assertThat(requests.get(0).prompt()).isNull();
        assertThat(requests.get(0).line()).isEqualTo(2);
    }

    @Test
    void readsMooncakeAndTandemJsonl(@TempDir Path dir) throws IOException {
        Path mooncake =
                write(
                        dir,
                        "mooncake.jsonl",
                        "{\"timestamp\": 1000, \"input_length\": 6955, \"output_length\": 52,"
                                + " \"hash_ids\": [1, 2]}",
                        "{\"timestamp\": 1350, \"input_length\": 300, \"output_length\": 8}");
        Path tandem =
                write(
                        dir,
                        "t.jsonl",
                        "{\"timestamp_ms\": 5, \"prompt\": \"Mr. Darcy\", \"max_new_tokens\": 20}",
                        "{\"timestamp_ms\": 25, \"input_tokens\": 40, \"max_new_tokens\": 9,"
                                + " \"temperature\": 0.8, \"top_p\": 0.9, \"seed\": 7,"
                                + " \"tenant\": \"acme\"}");

        List<TraceRequest> moon = read(mooncake, TraceFormat.MOONCAKE);
        List<TraceRequest> own = read(tandem, TraceFormat.JSONL);

        assertThat(moon).extracting(TraceRequest::arrivalMs).containsExactly(0L, 350L);
        assertThat(moon).extracting(TraceRequest::inputTokens).containsExactly(6955, 300);
        assertThat(own.get(0).prompt()).isEqualTo("Mr. Darcy");
        assertThat(own.get(0).inputTokens()).isEqualTo(9);
        assertThat(own.get(0).temperature()).isZero();
        assertThat(own.get(1))
                .isEqualTo(new TraceRequest(2, 20, 40, 9, null, 0.8f, 0.9f, 7L, "acme"));
    }

    @Test
    void skipsAndReportsBadLinesAndReadsTheRest(@TempDir Path dir) throws IOException {
        Path trace =
                write(
                        dir,
                        "bad.jsonl",
                        "{\"timestamp_ms\": 10, \"prompt\": \"ok\", \"max_new_tokens\": 4}",
                        "not json at all",
                        "{\"timestamp_ms\": 11, \"max_new_tokens\": 4}",
                        "{\"timestamp_ms\": 12, \"prompt\": \"x\", \"max_new_tokens\": 0}",
                        "{\"timestamp_ms\": 2, \"prompt\": \"early\", \"max_new_tokens\": 4}",
                        "",
                        "{\"timestamp_ms\": 13, \"prompt\": \"t\", \"max_new_tokens\": 4,"
                                + " \"temperature\": -1}",
                        "{\"timestamp_ms\": 30, \"prompt\": \"also ok\", \"max_new_tokens\": 4}");

        try (TraceReader reader = TraceReader.open(trace, TraceFormat.JSONL)) {
            List<TraceRequest> requests = new ArrayList<>();
            reader.forEachRemaining(requests::add);

            assertThat(requests).extracting(TraceRequest::prompt).containsExactly("ok", "also ok");
            assertThat(reader.problemCount()).isEqualTo(5);
            assertThat(reader.problems())
                    .extracting(TraceReader.Problem::line)
                    .containsExactly(2L, 3L, 4L, 5L, 7L);
            assertThat(reader.problems().get(0).reason()).startsWith("not JSON");
            assertThat(reader.problems().get(1).reason()).contains("prompt or input_tokens");
            assertThat(reader.problems().get(3).reason()).contains("before the trace's first");
        }
    }

    @Test
    void theSamplesInTheRepositoryReadWithoutProblems() throws IOException {
        Path traces = SampleTraces.dir();
        for (String name :
                List.of("azure-sample.csv", "mooncake-sample.jsonl", "tandem-sample.jsonl")) {
            Path trace = traces.resolve(name);
            try (TraceReader reader = TraceReader.open(trace, TraceFormat.guess(trace))) {
                List<TraceRequest> requests = new ArrayList<>();
                reader.forEachRemaining(requests::add);
                assertThat(reader.problemCount()).as(name).isZero();
                assertThat(requests).as(name).hasSizeGreaterThanOrEqualTo(12);
                assertThat(requests).extracting(TraceRequest::arrivalMs).isSorted();
            }
        }
    }

    @Test
    void namesItsFormats() {
        assertThat(TraceFormat.of("Mooncake")).isEqualTo(TraceFormat.MOONCAKE);
        assertThat(TraceFormat.guess(Path.of("x/mooncake_trace.jsonl")))
                .isEqualTo(TraceFormat.MOONCAKE);
        assertThat(TraceFormat.guess(Path.of("a.csv"))).isEqualTo(TraceFormat.AZURE);
        assertThatThrownBy(() -> TraceFormat.of("parquet"))
                .hasMessageContaining("azure, mooncake or jsonl");
    }

    private static List<TraceRequest> read(Path trace, TraceFormat format) throws IOException {
        List<TraceRequest> requests = new ArrayList<>();
        try (TraceReader reader = TraceReader.open(trace, format)) {
            reader.forEachRemaining(requests::add);
            assertThat(reader.problems()).isEmpty();
        }
        return requests;
    }

    private static Path write(Path dir, String name, String... lines) throws IOException {
        return Files.write(dir.resolve(name), List.of(lines));
    }
}
