package io.tandem.cli.bench;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.tandem.job.config.TandemHome;
import io.tandem.job.profile.MeasuredPair;
import io.tandem.job.profile.ProfileFormat;
import io.tandem.model.CausalLm;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.planner.acceptance.AcceptanceFit;
import io.tandem.planner.stats.Percentiles;
import io.tandem.speculative.AcceptanceStats;
import io.tandem.udfs.Drafter;
import io.tandem.udfs.SpeculativeGeneration;
import io.tandem.udfs.SpeculativeGenerator;
import io.tandem.udfs.Verifier;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Profiles a draft/target pair the way the planner consumes it: decode cost against batch size and
 * context length, prefill cost, verify-pass cost against tokens appended and batch size, acceptance
 * against speculation length, and speculative against autoregressive wall time on the same prompts,
 * greedy, with the outputs compared token for token. Its JSON is what {@code ./tandem simulate
 * --profile} plans with ({@link MeasuredPair}).
 */
@Command(
        name = "models",
        mixinStandardHelpOptions = true,
        description =
                "Profile a draft/target pair: latency vs batch and context, verify passes,"
                        + " acceptance vs γ, SD vs AD.")
public final class ModelBenchCommand implements Callable<Integer> {

    static final int[] BATCHES = {1, 2, 4, 8, 16};
    static final int[] CONTEXTS = {32, 64, 128, 256, 512};
    static final int[] PREFILLS = {16, 64, 256, 480};
    static final int MAX_GAMMA = 8;
    // verify passes append q = 2..MAX_GAMMA + 1 tokens; three batch sizes keep this under ~10 s
    static final int[] VERIFY_BATCHES = {1, 4, 8};
    static final int SD_GAMMA = 4;

    @Option(
            names = "--draft",
            paramLabel = "DIR",
            defaultValue = "models/austen-draft",
            description = "Draft model directory (default: ${DEFAULT-VALUE}).")
    Path draftDir;

    @Option(
            names = "--target",
            paramLabel = "DIR",
            defaultValue = "models/austen-target",
            description = "Target model directory (default: ${DEFAULT-VALUE}).")
    Path targetDir;

    @Option(
            names = "--prompts",
            paramLabel = "N",
            defaultValue = "12",
            description =
                    "Held-out prompts for acceptance and SD vs AD (default: ${DEFAULT-VALUE}).")
    int promptCount;

    @Option(
            names = "--prompt-length",
            paramLabel = "CHARS",
            defaultValue = "64",
            description = "Prompt length in characters (default: ${DEFAULT-VALUE}).")
    int promptLength;

    @Option(
            names = "--new-tokens",
            paramLabel = "N",
            defaultValue = "160",
            description = "Tokens generated per prompt (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(
            names = "--repetitions",
            paramLabel = "N",
            defaultValue = "9",
            description = "Timing repetitions; medians are reported (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(
            names = "--held-out",
            paramLabel = "FILE",
            defaultValue = "models/data/austen-heldout.txt",
            description = "Text the prompts are cut from (default: ${DEFAULT-VALUE}).")
    Path heldOut;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (CausalLm draft = CausalLm.load(TandemHome.resolve(draftDir));
                CausalLm target = CausalLm.load(TandemHome.resolve(targetDir))) {
            List<String> prompts =
                    HeldOutPrompts.read(TandemHome.resolve(heldOut), promptCount, promptLength);
            int work =
                    2 * (BATCHES.length + CONTEXTS.length + PREFILLS.length + VERIFY_BATCHES.length)
                            + MAX_GAMMA
                            + prompts.size();
            ModelProfile draftProfile;
            ModelProfile targetProfile;
            List<GammaPoint> gammas;
            SdVersusAd comparison;
            try (ProgressBar progress = new ProgressBar("bench models", work)) {
                draftProfile = ModelProfile.measure(draft, repetitions, progress);
                targetProfile = ModelProfile.measure(target, repetitions, progress);
                List<GenerationRequest> requests = requests(target, prompts);
                try (Drafter drafter = new Drafter(draft, limits());
                        Verifier verifier = new Verifier(target, limits())) {
                    SpeculativeGenerator generator = new SpeculativeGenerator(drafter, verifier);
                    gammas = scanGamma(generator, requests, progress);
                    comparison = compare(target, generator, requests, progress);
                }
            }
            Summary summary = Summary.of(draftProfile, targetProfile, gammas, comparison);
            print(out, draft, target, draftProfile, targetProfile, gammas, comparison, summary);
            if (json != null) {
                BenchJson.write(
                        json,
                        report(
                                draft,
                                target,
                                draftProfile,
                                targetProfile,
                                gammas,
                                comparison,
                                summary));
                out.println("Wrote " + json);
            }
        }
        return 0;
    }

    /**
     * Acceptance at one speculation length, over all prompts decoded together. A round yields its
     * accepted drafts plus one token (correction or bonus), before any cut at the length limit.
     */
    record GammaPoint(int gamma, long rounds, long drafted, long accepted) {
        double tokensPerRound() {
            return (double) (accepted + rounds) / rounds;
        }

        double alpha() {
            return AcceptanceFit.alphaFromTokensPerRound(tokensPerRound(), gamma);
        }

        double acceptedFraction() {
            return drafted == 0 ? 0 : (double) accepted / drafted;
        }
    }

    /** Speculative (γ = SD_GAMMA) against autoregressive decoding, batch 1, greedy. */
    record SdVersusAd(
            double adMillis, double sdMillis, long tokens, boolean identical, int mismatches) {
        double ratio() {
            return sdMillis / adMillis;
        }
    }

    /** The headline figures, also the JSON summary. */
    record Summary(
            double alphaGamma4,
            double draftTargetCostRatio,
            double sdAdWallRatioB1,
            boolean greedyIdentical,
            double ctx512Ctx32StepRatio,
            double b8B1ThroughputRatio) {

        static Summary of(
                ModelProfile draft, ModelProfile target, List<GammaPoint> gammas, SdVersusAd sd) {
            return new Summary(
                    gammas.get(SD_GAMMA - 1).alpha(),
                    draft.decodeMillis(1) / target.decodeMillis(1),
                    sd.ratio(),
                    sd.identical(),
                    target.contextMillis(512) / target.contextMillis(32),
                    target.throughput(8) / target.throughput(1));
        }
    }

    private List<GammaPoint> scanGamma(
            SpeculativeGenerator generator, List<GenerationRequest> requests, ProgressBar progress)
            throws ModelException {
        List<GammaPoint> points = new ArrayList<>();
        for (int gamma = 1; gamma <= MAX_GAMMA; gamma++) {
            long rounds = 0;
            AcceptanceStats stats = AcceptanceStats.none();
            for (SpeculativeGeneration g : generator.generate(requests, gamma)) {
                rounds += g.rounds();
                stats = stats.plus(g.acceptance());
            }
            points.add(new GammaPoint(gamma, rounds, stats.totalDrafted(), stats.totalAccepted()));
            progress.step();
        }
        return points;
    }

    private SdVersusAd compare(
            CausalLm target,
            SpeculativeGenerator generator,
            List<GenerationRequest> requests,
            ProgressBar progress)
            throws ModelException {
        double adTotal = 0;
        double sdTotal = 0;
        long tokens = 0;
        int mismatches = 0;
        for (GenerationRequest request : requests) {
            // warm both paths on this prompt once, then take medians
            Generation ad = target.generate(List.of(request)).get(0);
            Generation sd = generator.generate(List.of(request), SD_GAMMA).get(0).generation();
            if (!Arrays.equals(ad.tokens(), sd.tokens())
                    || ad.finishReason() != sd.finishReason()) {
                mismatches++;
            }
            double[] adTimes = new double[repetitions];
            double[] sdTimes = new double[repetitions];
            for (int r = 0; r < repetitions; r++) {
                long start = System.nanoTime();
                target.generate(List.of(request));
                adTimes[r] = (System.nanoTime() - start) / 1e6;
                start = System.nanoTime();
                generator.generate(List.of(request), SD_GAMMA);
                sdTimes[r] = (System.nanoTime() - start) / 1e6;
            }
            adTotal += Percentiles.median(adTimes);
            sdTotal += Percentiles.median(sdTimes);
            tokens += ad.tokens().length;
            progress.step();
        }
        return new SdVersusAd(adTotal, sdTotal, tokens, mismatches == 0, mismatches);
    }

    private List<GenerationRequest> requests(CausalLm target, List<String> prompts) {
        List<GenerationRequest> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            requests.add(
                    new GenerationRequest(
                            "p" + i,
                            target.tokenizer().encode(prompts.get(i)),
                            newTokens,
                            SamplingConfig.greedy()));
        }
        return requests;
    }

    private static SessionLimits limits() {
        return new SessionLimits(1024, 1L << 30, Duration.ofMinutes(10));
    }

    private static void print(
            PrintStream out,
            CausalLm draft,
            CausalLm target,
            ModelProfile draftProfile,
            ModelProfile targetProfile,
            List<GammaPoint> gammas,
            SdVersusAd sd,
            Summary summary) {
        out.printf(
                "%nDraft %s (%d parameters) and target %s (%d parameters); %s PyTorch"
                        + " thread(s)%n%n",
                draft.info().name(),
                draft.info().parameters(),
                target.info().name(),
                target.info().parameters(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        TextTable batches =
                new TextTable(
                        "Decode step vs batch size (context " + ProfileFormat.BATCH_CONTEXT + ")",
                        "batch",
                        "draft ms/step",
                        "target ms/step",
                        "draft tok/s",
                        "target tok/s",
                        "target speed-up vs b1");
        for (int b : BATCHES) {
            batches.row(
                    b,
                    draftProfile.decodeMillis(b),
                    targetProfile.decodeMillis(b),
                    draftProfile.throughput(b),
                    targetProfile.throughput(b),
                    targetProfile.throughput(b) / targetProfile.throughput(1));
        }
        batches.print(out);
        TextTable contexts =
                new TextTable(
                        "Decode step vs context length (batch 1)",
                        "context",
                        "draft ms/step",
                        "target ms/step",
                        "target vs ctx 32");
        for (int c : CONTEXTS) {
            contexts.row(
                    c,
                    draftProfile.contextMillis(c),
                    targetProfile.contextMillis(c),
                    targetProfile.contextMillis(c) / targetProfile.contextMillis(32));
        }
        contexts.print(out);
        TextTable prefill =
                new TextTable("Prefill (batch 1)", "prompt tokens", "draft ms", "target ms");
        for (int p : PREFILLS) {
            prefill.row(p, draftProfile.prefillMillis(p), targetProfile.prefillMillis(p));
        }
        prefill.print(out);
        verifyTable(draftProfile, targetProfile).print(out);
        TextTable acceptance =
                new TextTable(
                        "Acceptance vs speculation length (greedy, held-out prompts)",
                        "γ",
                        "tokens/round",
                        "α (implied)",
                        "accepted/drafted",
                        "rounds");
        for (GammaPoint g : gammas) {
            acceptance.row(
                    g.gamma(), g.tokensPerRound(), g.alpha(), g.acceptedFraction(), g.rounds());
        }
        acceptance.print(out);
        new TextTable(
                        "Speculative vs autoregressive, batch 1, greedy, γ = " + SD_GAMMA,
                        "tokens",
                        "AD ms",
                        "SD ms",
                        "SD/AD",
                        "identical")
                .row(
                        sd.tokens(),
                        sd.adMillis(),
                        sd.sdMillis(),
                        sd.ratio(),
                        sd.identical()
                                + (sd.identical() ? "" : " (" + sd.mismatches() + " differ)"))
                .print(out);
        new TextTable("Summary", "figure", "value", "goal")
                .row("alpha_gamma4", summary.alphaGamma4(), ">= 0.7")
                .row("draft_target_cost_ratio", summary.draftTargetCostRatio(), "<= 0.1")
                .row("sd_ad_wall_ratio_b1", summary.sdAdWallRatioB1(), "<= 0.6")
                .row("greedy_identical", String.valueOf(summary.greedyIdentical()), "true")
                .row("ctx512_ctx32_step_ratio", summary.ctx512Ctx32StepRatio(), "<= 2")
                .row("b8_b1_throughput_ratio", summary.b8B1ThroughputRatio(), ">= 4")
                .print(out);
    }

    /**
     * Verify pass times, and how many decode steps one pass costs: the price of checking {@code q -
     * 1} drafts at once, which speculation must beat.
     */
    private static TextTable verifyTable(ModelProfile draftProfile, ModelProfile targetProfile) {
        List<String> header = new ArrayList<>(List.of("tokens q"));
        for (int b : VERIFY_BATCHES) {
            header.add("draft b" + b + " ms");
        }
        for (int b : VERIFY_BATCHES) {
            header.add("target b" + b + " ms");
        }
        header.add("target b1 / decode step");
        TextTable table =
                new TextTable(
                        "Verify pass vs tokens (context " + ProfileFormat.BATCH_CONTEXT + ")",
                        header.toArray(String[]::new));
        for (int q = 2; q <= MAX_GAMMA + 1; q++) {
            List<Object> row = new ArrayList<>(List.of(q));
            for (int b : VERIFY_BATCHES) {
                row.add(draftProfile.verifyMillis(b, q));
            }
            for (int b : VERIFY_BATCHES) {
                row.add(targetProfile.verifyMillis(b, q));
            }
            row.add(targetProfile.verifyMillis(1, q) / targetProfile.decodeMillis(1));
            table.row(row.toArray());
        }
        return table;
    }

    private static JsonObject report(
            CausalLm draft,
            CausalLm target,
            ModelProfile draftProfile,
            ModelProfile targetProfile,
            List<GammaPoint> gammas,
            SdVersusAd sd,
            Summary summary) {
        JsonObject root = new JsonObject();
        JsonObject s = new JsonObject();
        s.addProperty("alpha_gamma4", summary.alphaGamma4());
        s.addProperty("draft_target_cost_ratio", summary.draftTargetCostRatio());
        s.addProperty("sd_ad_wall_ratio_b1", summary.sdAdWallRatioB1());
        s.addProperty("greedy_identical", summary.greedyIdentical());
        s.addProperty("ctx512_ctx32_step_ratio", summary.ctx512Ctx32StepRatio());
        s.addProperty("b8_b1_throughput_ratio", summary.b8B1ThroughputRatio());
        root.add("summary", s);
        root.addProperty(
                "pytorch_threads", System.getProperty("ai.djl.pytorch.num_threads", "default"));
        root.add("draft", draftProfile.toJson(draft.info()));
        root.add("target", targetProfile.toJson(target.info()));
        JsonArray acceptance = new JsonArray();
        for (GammaPoint g : gammas) {
            JsonObject point = new JsonObject();
            point.addProperty("gamma", g.gamma());
            point.addProperty("tokens_per_round", g.tokensPerRound());
            point.addProperty("alpha", g.alpha());
            point.addProperty("accepted_fraction", g.acceptedFraction());
            point.addProperty("rounds", g.rounds());
            acceptance.add(point);
        }
        root.add("acceptance", acceptance);
        JsonObject comparison = new JsonObject();
        comparison.addProperty("gamma", SD_GAMMA);
        comparison.addProperty("tokens", sd.tokens());
        comparison.addProperty("ad_ms", sd.adMillis());
        comparison.addProperty("sd_ms", sd.sdMillis());
        comparison.addProperty("identical", sd.identical());
        root.add("sd_vs_ad_b1", comparison);
        return root;
    }
}
