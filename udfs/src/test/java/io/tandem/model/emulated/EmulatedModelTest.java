package io.tandem.model.emulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelInfo;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.model.SessionTokens;
import io.tandem.planner.acceptance.PositionalAcceptance;
import io.tandem.planner.cost.StepSample;
import io.tandem.planner.cost.StepTable;
import io.tandem.udfs.Drafter;
import io.tandem.udfs.SpeculativeGeneration;
import io.tandem.udfs.SpeculativeGenerator;
import io.tandem.udfs.Verifier;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatedModelTest {

    private static final Path ROOT = repositoryRoot();
    private static final Path TOKENIZER_DIR = ROOT.resolve("models/austen-target");
    private static final Path GPU_PROFILE = ROOT.resolve("profiles/h200-68m-7b.json");
    private static final SessionLimits LIMITS =
            new SessionLimits(1024, 1L << 30, Duration.ofMinutes(1));

    /** A stage profile whose passes take microseconds, for tests that run many rounds. */
    private static Path fastProfile(Path dir) throws Exception {
        String rows = "[[1, 1, 128, 0.001], [64, 1, 128, 0.002], [1, 9, 128, 0.002]]";
        String model =
                "{\"name\": \"%s\", \"context_length\": 1024, \"passes\": {\"rows\": "
                        + rows
                        + "}}";
        String json =
                "{\"format\": \"tandem-stage-profile\", \"acceptance\": {\"alpha\": 0.8},"
                        + " \"draft\": "
                        + model.formatted("fast-draft")
                        + ", \"target\": "
                        + model.formatted("fast-target")
                        + "}";
        return Files.writeString(dir.resolve("fast.json"), json);
    }

    private static List<GenerationRequest> requests(int count, int maxNewTokens) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] prompt = new int[10 + 7 * i];
            Arrays.fill(prompt, 'a' + i);
            requests.add(
                    new GenerationRequest(
                            "req-" + i, prompt, maxNewTokens, SamplingConfig.greedy()));
        }
        return requests;
    }

    private static List<SpeculativeGeneration> generate(
            Path profile, PositionalAcceptance acceptance, List<GenerationRequest> requests, int l)
            throws Exception {
        try (EmulatedModel draft =
                        EmulatedModel.load(
                                profile, EmulatedModel.Role.DRAFT, TOKENIZER_DIR, acceptance);
                EmulatedModel target =
                        EmulatedModel.load(
                                profile, EmulatedModel.Role.TARGET, TOKENIZER_DIR, null);
                Drafter drafter = new Drafter(draft, LIMITS);
                Verifier verifier = new Verifier(target, LIMITS)) {
            return new SpeculativeGenerator(drafter, verifier).generate(requests, l);
        }
    }

    @Test
    void greedyOutputIsTheTargetsStreamWhateverTheSpeculationLength(@TempDir Path dir)
            throws Exception {
        Path profile = fastProfile(dir);
        List<GenerationRequest> requests = requests(6, 40);
        List<SpeculativeGeneration> plain = generate(profile, null, requests, 0);
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest request = requests.get(i);
            assertThat(plain.get(i).generation().tokens())
                    .isEqualTo(
                            EmulatedModel.targetTokens(request.id(), request.promptLength(), 40));
        }
        for (int l : new int[] {1, 4, 8}) {
            List<SpeculativeGeneration> speculative = generate(profile, null, requests, l);
            for (int i = 0; i < requests.size(); i++) {
                assertThat(speculative.get(i).generation().tokens())
                        .as("l = %d, request %d", l, i)
                        .isEqualTo(plain.get(i).generation().tokens());
            }
        }
    }

    @Test
    void draftsAreAcceptedAtTheGivenRates(@TempDir Path dir) throws Exception {
        PositionalAcceptance rates = new PositionalAcceptance(new double[] {0.9, 0.7, 0.5});
        List<SpeculativeGeneration> generations =
                generate(fastProfile(dir), rates, requests(40, 120), 3);
        long[] drafted = new long[3];
        long[] accepted = new long[3];
        for (SpeculativeGeneration generation : generations) {
            for (int i = 0; i < 3; i++) {
                drafted[i] += generation.acceptance().drafted()[i];
                accepted[i] += generation.acceptance().accepted()[i];
            }
        }
        // conditional rates: accepted at position i over accepted at i - 1 (drafted at i)
        assertThat(accepted[0] / (double) drafted[0]).isCloseTo(0.9, within(0.03));
        assertThat(accepted[1] / (double) accepted[0]).isCloseTo(0.7, within(0.04));
        assertThat(accepted[2] / (double) accepted[1]).isCloseTo(0.5, within(0.06));
    }

    @Test
    void eachCallIsPricedAsTheSessionPoolRunsIt() {
        StepTable table =
                StepTable.of(
                        "t",
                        List.of(
                                new StepSample(1, 1, 0, 1),
                                new StepSample(8, 1, 0, 2),
                                new StepSample(1, 9, 0, 3),
                                new StepSample(1, 1, 100, 2)),
                        List.of(new StepSample(1, 64, 0, 10), new StepSample(4, 64, 0, 30)));
        List<Double> charged = new ArrayList<>();
        long[] now = {0};
        StageClock clock =
                new StageClock(() -> now[0], (deadline, c) -> now[0] = Math.max(now[0], deadline));
        ModelInfo info = new ModelInfo("t", "emulated", 0, 0, 0, 0, 257, 1024, 256);
        EmulatedSessions sessions =
                new EmulatedSessions(
                        info, table, (sequence, position) -> 'a', LIMITS, () -> now[0], clock);
        long before = now[0];
        // two newcomers alone: one pass over their whole prompts
        sessions.forward(List.of(tokens("a", 20), tokens("b", 30)));
        assertThat((now[0] - before) / 1e6).isCloseTo(table.millis(2, 30, 0), within(1e-6));
        before = now[0] + StageClock.BACK_TO_BACK_NANOS + 1;
        now[0] = before;
        // one more token each: a decode step over their cached prompts
        sessions.forward(List.of(tokens("a", 21), tokens("b", 31)));
        assertThat((now[0] - before) / 1e6).isCloseTo(table.millis(2, 1, 25), within(1e-6));
        before = now[0] + StageClock.BACK_TO_BACK_NANOS + 1;
        now[0] = before;
        // a newcomer joins: its prefill apart, then one step for all three
        sessions.forward(List.of(tokens("a", 22), tokens("b", 32), tokens("c", 10)));
        double expected = table.prefillMillis(1, 9) + table.millis(3, 1, (21 + 31 + 9) / 3.0);
        assertThat((now[0] - before) / 1e6).isCloseTo(expected, within(1e-6));
        assertThat(sessions.stats().sessions()).isEqualTo(3);
        assertThat(sessions.finish("c")).isTrue();
    }

    @Test
    void aPassWaitsTheProfilesTimeWithoutUsingACore() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (EmulatedModel target =
                EmulatedModel.load(GPU_PROFILE, EmulatedModel.Role.TARGET, TOKENIZER_DIR, null)) {
            var sessions = target.openSessions(LIMITS);
            int[] prompt = new int[512];
            Arrays.fill(prompt, 'e');
            sessions.forward(List.of(new SessionTokens("r", prompt, 512, 512, 1)));
            int[] next = Arrays.copyOf(prompt, 513);
            next[512] = 'e';
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (int step = 0; step < 20; step++) {
                next = Arrays.copyOf(next, next.length + 1);
                sessions.forward(List.of(new SessionTokens("r", next, 512, next.length - 1, 1)));
            }
            double wallMs = (System.nanoTime() - start) / 1e6;
            double cpuMs = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
            // a 7B decode step at batch 1 is about 4.9 ms on the H200
            assertThat(wallMs).isGreaterThanOrEqualTo(20 * 4.8);
            assertThat(cpuMs).isLessThan(wallMs / 4);
        }
    }

    @Test
    void emulatesTheBundledPairFromItsBenchModelsProfileToo() throws Exception {
        Path profile = ROOT.resolve("models/austen-pair-profile.json");
        try (EmulatedModel draft =
                        EmulatedModel.load(profile, EmulatedModel.Role.DRAFT, TOKENIZER_DIR, null);
                EmulatedModel target =
                        EmulatedModel.load(
                                profile, EmulatedModel.Role.TARGET, TOKENIZER_DIR, null)) {
            assertThat(target.info().name()).isEqualTo("austen-target-emulated");
            assertThat(target.info().contextLength()).isEqualTo(512);
            assertThat(draft.info().vocabSize()).isEqualTo(target.info().vocabSize());
        }
    }

    private static SessionTokens tokens(String id, int length) {
        int[] tokens = new int[length];
        Arrays.fill(tokens, 'a');
        return new SessionTokens(id, tokens, Math.min(length, 10), length, 1);
    }

    private static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("profiles/h200-68m-7b.json"))) {
                return dir;
            }
        }
        throw new IllegalStateException(
                "profiles/ not found above " + Path.of("").toAbsolutePath());
    }
}
