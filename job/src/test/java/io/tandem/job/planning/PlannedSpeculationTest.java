package io.tandem.job.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.tandem.planner.GoodputLength;
import io.tandem.planner.acceptance.Acceptance;
import io.tandem.planner.acceptance.IidAcceptance;
import io.tandem.planner.cost.StepFit;
import io.tandem.schemas.PlanDecision;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.schemas.internal.Batch;
import io.tandem.schemas.internal.CallShape;
import io.tandem.schemas.internal.RoundBatch;
import io.tandem.schemas.internal.RoundReport;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.testkit.ModelProfiles;
import io.tandem.testkit.Requests;
import io.tandem.udfs.AcceptanceTracker;
import io.tandem.udfs.SequenceStates;
import io.tandem.udfs.ServingMode;
import io.tandem.udfs.VerifyAsyncFunction;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlannedSpeculationTest {

    @Test
    void splitsAWindowIntoPlannedBatchesThatServeEveryRequestOnce(@TempDir Path dir)
            throws Exception {
        Batch window = window("w1", 3, 400, 12, 380, 7, 20, 390, 5);

        List<Batch> batches = plan(ModelProfiles.write(dir), window);

        List<String> served = new ArrayList<>();
        for (Batch batch : batches) {
            batch.getRequests().forEach(r -> served.add(r.getRequest().getRequestId()));
            PlanDecision plan = batch.getPlan();
            assertThat(batch.getBatchId()).startsWith("w1-");
            assertThat(plan.getWindowId()).isEqualTo("w1");
            assertThat(plan.getWindowSize()).isEqualTo(8);
            assertThat(plan.getBatchesInWindow()).isEqualTo(batches.size());
            assertThat(plan.getSpeculationLength()).isBetween(1, WindowPlanner.MAX_SPECULATION);
            assertThat(plan.getPredictedMs()).isPositive();
            assertThat(plan.getAlpha()).isEqualTo(ModelProfiles.ALPHA);
            assertThat(plan.getRoundMsByLength()).hasSize(WindowPlanner.MAX_SPECULATION).isSorted();
            assertThat(batch.getClosedTime()).isEqualTo(window.getClosedTime());
        }
        Collections.sort(served);
        assertThat(served)
                .containsExactlyElementsOf(
                        IntStream.range(0, 8).mapToObj(i -> "r" + i).sorted().toList());
    }

    @Test
    void keepsLongAndShortPromptsApartWhenPaddingWouldCostMore(@TempDir Path dir) throws Exception {
        // the test profile's attention term makes a padded long prompt expensive for short ones
        Batch window = window("w2", 4, 4, 4, 480, 480, 480);

        List<Batch> batches = plan(ModelProfiles.write(dir), window);

        assertThat(batches).hasSizeGreaterThan(1);
        for (Batch batch : batches) {
            List<Integer> lengths =
                    batch.getRequests().stream().map(r -> r.getPromptTokenIds().size()).toList();
            assertThat(new HashSet<>(lengths)).as("one batch mixes short and long").hasSize(1);
        }
    }

    @Test
    void theChosenLengthFollowsMeasuredAcceptance(@TempDir Path dir) throws Exception {
        PlannedSpeculation policy = open(ModelProfiles.write(dir));
        Batch planned = policy.admit(window("w3", 40, 40, 40, 40)).get(0);
        RoundBatch later = round(planned, 1);
        int atProfile = policy.speculationLength(later);

        for (int i = 0; i < AcceptanceTracker.RECENT_ROUNDS; i++) {
            policy.observe(rounds(8, 6, 0), 0); // 8 rounds drafted 6 tokens, none accepted
        }
        int whenRejected = policy.speculationLength(later);
        for (int i = 0; i < AcceptanceTracker.RECENT_ROUNDS; i++) {
            policy.observe(rounds(8, 8, 8), 0); // everything accepted
        }
        int whenAccepted = policy.speculationLength(later);

        // drafts nobody accepts are not worth drafting: plain rounds
        assertThat(whenRejected).isLessThan(atProfile).isZero();
        assertThat(whenAccepted).isGreaterThan(atProfile);
        // the first round of a batch runs at the planner's own length
        assertThat(policy.speculationLength(round(planned, 0)))
                .isEqualTo(planned.getPlan().getSpeculationLength());
    }

    @Test
    void aCostlierLoopMakesEachTripCarryMoreTokens(@TempDir Path dir) throws Exception {
        PlannedSpeculation policy = open(ModelProfiles.write(dir));
        Batch planned = policy.admit(window("w6", 40, 40, 40, 40)).get(0);
        RoundBatch later = round(planned, 1);
        int local = policy.speculationLength(later);

        // rounds that each spend 50 ms going around the loop, at the profile's acceptance
        for (int i = 0; i < 200; i++) {
            policy.observe(verified(AcceptanceStats.none()), 50);
        }

        // longer drafts, or plain rounds of several decode steps: either pays the trip less often
        Acceptance profile = new IidAcceptance(ModelProfiles.ALPHA);
        int costly = policy.speculationLength(later);
        assertThat(GoodputLength.tokens(costly, profile, VerifyAsyncFunction.PLAIN_STEPS_PER_ROUND))
                .isGreaterThan(
                        GoodputLength.tokens(
                                local, profile, VerifyAsyncFunction.PLAIN_STEPS_PER_ROUND));
        Batch next = policy.admit(window("w7", 40, 40, 40, 40)).get(0);
        assertThat(next.getPlan().getRoundOverheadMs()).isCloseTo(50, within(0.1));
        assertThat(next.getPlan().getSpeculationLength())
                .isGreaterThan(planned.getPlan().getSpeculationLength());
    }

    @Test
    void theLengthFallsToPlainRoundsWhenVerifySaturatesAndRisesWhenItIdles(@TempDir Path dir)
            throws Exception {
        // a compute-bound target: 3 ms a pass plus 0.3 ms per token verified
        StepFit target = new StepFit(3, 0, 0.3, 0, 0, 0);
        PlannedSpeculation policy =
                open(ModelProfiles.write(dir, ModelProfiles.json(ModelProfiles.DRAFT, target)));
        RoundBatch later = round(policy.admit(window("w8", 40, 40)).get(0), 1);
        int quiet = policy.speculationLength(later);

        // the batch's verify calls carry 64 sequences, and rounds queue five times as long as a
        // call runs
        for (int i = 0; i < 200; i++) {
            policy.observe(verifiedIn(64, target.millis(64, 5, 60), 5), 0.1);
        }
        int saturated = policy.speculationLength(later);
        assertThat(later.getPlan().getCostModel().getVerifyWaitRatio()).isGreaterThan(4);
        // then its calls are its own again, and nobody waits
        for (int i = 0; i < 200; i++) {
            policy.observe(verifiedIn(2, target.millis(2, 5, 60), 0), 0.1);
        }
        int idle = policy.speculationLength(later);

        assertThat(quiet).isPositive();
        assertThat(saturated).isZero();
        assertThat(idle).isPositive();
        assertThat(later.getPlan().getCostModel().getVerifyWaitRatio()).isLessThan(0.1);
        assertThat(later.getPlan().getLengthRule()).isEqualTo("goodput");
    }

    @Test
    void aBatchWhoseOwnDraftsAreRejectedDraftsLessThanOneWhoseAreAccepted(@TempDir Path dir)
            throws Exception {
        PlannedSpeculation policy = open(ModelProfiles.write(dir));
        Batch window = policy.admit(window("w9", 40, 40)).get(0);
        // the same batch after 20 rounds of 8 drafts per sequence: its prompts' drafts were all
        // accepted, or one in eight
        RoundBatch welcome = withOwnAcceptance(round(window, 20), 20, 8);
        RoundBatch rejected = withOwnAcceptance(round(window, 20), 20, 1);

        int welcomeLength = policy.speculationLength(welcome);
        int rejectedLength = policy.speculationLength(rejected);

        assertThat(policy.acceptanceOf(rejected).tokensPerRound(8))
                .isLessThan(policy.acceptanceOf(welcome).tokensPerRound(8));
        assertThat(rejectedLength).isLessThan(welcomeLength);
    }

    /**
     * {@code batch} whose sequences each drafted 8 in {@code rounds} rounds, accepting a prefix.
     */
    private static RoundBatch withOwnAcceptance(RoundBatch batch, int rounds, int accepted) {
        List<Long> drafted = Collections.nCopies(8, (long) rounds);
        List<Long> acceptedAt = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            acceptedAt.add(i < accepted ? (long) rounds : 0L);
        }
        batch.getSequences()
                .forEach(
                        s -> {
                            s.setDraftedByPosition(drafted);
                            s.setAcceptedByPosition(acceptedAt);
                        });
        return batch;
    }

    /**
     * A verified round of a batch of two whose verify call held {@code sequences} sequences and ran
     * {@code millis}, waited for {@code waitRatio} times as long.
     */
    private static RoundBatch verifiedIn(int sequences, double millis, double waitRatio) {
        // one sequence of the two keeps its first draft: half the first drafts are accepted
        RoundBatch batch =
                verified(new AcceptanceStats(new long[] {2, 2, 2, 2}, new long[] {1, 0, 0, 0}));
        batch.getReport().setVerifyCall(new CallShape(sequences, 5, 1, 60.0, 0, 0));
        batch.getReport().setVerifyMs(millis);
        batch.getReport().setVerifyWaitMs(waitRatio * millis);
        batch.getReport().setVerifyTaskManager("tm-1");
        return batch;
    }

    @Test
    void theNextWindowIsPlannedAtTheMeasuredAcceptance(@TempDir Path dir) throws Exception {
        PlannedSpeculation policy = open(ModelProfiles.write(dir));
        for (int i = 0; i < AcceptanceTracker.RECENT_ROUNDS; i++) {
            policy.observe(rounds(8, 4, 0), 0);
        }

        Batch planned = policy.admit(window("w4", 40, 40)).get(0);

        assertThat(planned.getPlan().getAlpha()).isLessThan(ModelProfiles.ALPHA);
    }

    @Test
    void fixedModesDraftTheirConfiguredLengthWhateverAcceptanceDoes() {
        FixedSpeculation fixed = new FixedSpeculation(ServingMode.SD_FIXED, 3);
        FixedSpeculation plain = new FixedSpeculation(ServingMode.AD, 0);
        Batch window = window("w5", 10, 10);
        fixed.observe(rounds(8, 3, 0), 0);

        assertThat(fixed.admit(window)).containsExactly(window);
        assertThat(fixed.speculationLength(round(window, 5))).isEqualTo(3);
        assertThat(plain.speculationLength(round(window, 5))).isZero();
    }

    private static PlannedSpeculation open(Path profile) throws Exception {
        PlannedSpeculation policy = new PlannedSpeculation(profile.toString(), 4);
        policy.open(UnregisteredMetricsGroup.createOperatorMetricGroup());
        return policy;
    }

    private static List<Batch> plan(Path profile, Batch window) throws Exception {
        return open(profile).admit(window);
    }

    /**
     * A verified round of a batch of {@code rounds} sequences that each drafted {@code length} and
     * accepted a prefix.
     */
    private static RoundBatch rounds(int rounds, int length, int accepted) {
        long[] drafted = new long[length];
        long[] acceptedAt = new long[length];
        for (int i = 0; i < length; i++) {
            drafted[i] = rounds;
            acceptedAt[i] = i < accepted ? rounds : 0;
        }
        return verified(new AcceptanceStats(drafted, acceptedAt));
    }

    private static RoundBatch verified(AcceptanceStats acceptance) {
        RoundBatch batch = round(window("v", 40, 40), 1);
        batch.getReport()
                .setDraftedByPosition(Arrays.stream(acceptance.drafted()).boxed().toList());
        batch.getReport()
                .setAcceptedByPosition(Arrays.stream(acceptance.accepted()).boxed().toList());
        return batch;
    }

    /** Round {@code round} of {@code batch}, with a sequence per request. */
    private static RoundBatch round(Batch batch, int round) {
        return RoundBatch.newBuilder()
                .setBatchId(batch.getBatchId())
                .setClosedTime(batch.getClosedTime())
                .setBatchSize(batch.getRequests().size())
                .setMode("sd")
                .setPlan(batch.getPlan())
                .setLoopSubtask(0)
                .setRound(round)
                .setSpeculationLength(0)
                .setSequences(batch.getRequests().stream().map(SequenceStates::start).toList())
                .setReport(RoundReport.newBuilder().build())
                .build();
    }

    /** A window of greedy requests r0, r1, ... with the given prompt lengths in tokens. */
    private static Batch window(String id, int... promptLengths) {
        List<AdmittedRequest> requests = new ArrayList<>();
        for (int i = 0; i < promptLengths.length; i++) {
            requests.add(
                    AdmittedRequest.newBuilder()
                            .setRequest(Requests.greedy("r" + i, "x".repeat(promptLengths[i]), 24))
                            .setPromptTokenIds(
                                    IntStream.range(0, promptLengths[i]).boxed().toList())
                            .setArrivalTime(Instant.ofEpochMilli(1000))
                            .build());
        }
        return Batch.newBuilder()
                .setBatchId(id)
                .setClosedTime(Instant.ofEpochMilli(1050))
                .setRequests(requests)
                .build();
    }
}
