package io.tandem.cli.bench;

import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.job.config.TandemHome;
import io.tandem.model.CausalLm;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.ModelException;
import io.tandem.model.SamplingConfig;
import io.tandem.model.SessionLimits;
import io.tandem.planner.acceptance.AcceptanceFit;
import io.tandem.planner.stats.Percentiles;
import io.tandem.profile.MeasuredPair;
import io.tandem.profile.ProfileFormat;
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
import picocli.CommandLine.Mixin;
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

    @Mixin HeldOutText heldOut;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (CausalLm draft = CausalLm.load(TandemHome.resolve(draftDir));
                CausalLm target = CausalLm.load(TandemHome.resolve(targetDir))) {
            List<String> prompts = HeldOutPrompts.read(heldOut.file(), promptCount, promptLength);
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
            Summary summary =
                    summary(draft, target, draftProfile, targetProfile, gammas, comparison);
            summary.print(out);
            if (json != null) {
                summary.write(json);
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

    private static Summary summary(
            CausalLm draft,
            CausalLm target,
            ModelProfile draftProfile,
            ModelProfile targetProfile,
            List<GammaPoint> gammas,
            SdVersusAd sd) {
        Summary summary = new Summary();
        String threads = System.getProperty("ai.djl.pytorch.num_threads", "default");
        summary.line("")
                .line(
                        String.format(
                                "Draft %s (%d parameters) and target %s (%d parameters); %s"
                                        + " PyTorch thread(s)",
                                draft.info().name(),
                                draft.info().parameters(),
                                target.info().name(),
                                target.info().parameters(),
                                threads))
                .line("");
        // the profile the planner reads (MeasuredPair)
        summary.figures(null, null)
                .json("pytorch_threads", threads)
                .json(ProfileFormat.DRAFT, draftProfile.toJson(draft.info()))
                .json(ProfileFormat.TARGET, targetProfile.toJson(target.info()));
        Table batches =
                summary.table(
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
        Table contexts =
                summary.table(
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
        Table prefill =
                summary.table("Prefill (batch 1)", "prompt tokens", "draft ms", "target ms");
        for (int p : PREFILLS) {
            prefill.row(p, draftProfile.prefillMillis(p), targetProfile.prefillMillis(p));
        }
        verifyTable(summary, draftProfile, targetProfile);
        Table acceptance =
                summary.table(
                        "acceptance",
                        "Acceptance vs speculation length (greedy, held-out prompts)",
                        Column.of("gamma", "γ"),
                        Column.of("tokens_per_round", "tokens/round"),
                        Column.of("alpha", "α (implied)"),
                        Column.of("accepted_fraction", "accepted/drafted"),
                        Column.of("rounds", "rounds"));
        for (GammaPoint g : gammas) {
            acceptance.row(
                    g.gamma(), g.tokensPerRound(), g.alpha(), g.acceptedFraction(), g.rounds());
        }
        summary.figures(
                        "sd_vs_ad_b1",
                        "Speculative vs autoregressive, batch 1, greedy, γ = " + SD_GAMMA)
                .asRow(null)
                .json("gamma", SD_GAMMA)
                .add("tokens", "tokens", sd.tokens())
                .add("ad_ms", "AD ms", sd.adMillis())
                .add("sd_ms", "SD ms", sd.sdMillis())
                .shown("SD/AD", sd.ratio())
                .add(
                        "identical",
                        "identical",
                        Value.flag(sd.identical(), sd.mismatches() + " differ"));
        summary.figures(ProfileFormat.SUMMARY, "Summary")
                .asTable()
                .add(
                        ProfileFormat.ALPHA_GAMMA4,
                        ProfileFormat.ALPHA_GAMMA4,
                        gammas.get(SD_GAMMA - 1).alpha(),
                        ">= 0.7")
                .add(
                        "draft_target_cost_ratio",
                        "draft_target_cost_ratio",
                        draftProfile.decodeMillis(1) / targetProfile.decodeMillis(1),
                        "<= 0.1")
                .add("sd_ad_wall_ratio_b1", "sd_ad_wall_ratio_b1", sd.ratio(), "<= 0.6")
                .add("greedy_identical", "greedy_identical", sd.identical(), "true")
                .add(
                        "ctx512_ctx32_step_ratio",
                        "ctx512_ctx32_step_ratio",
                        targetProfile.contextMillis(512) / targetProfile.contextMillis(32),
                        "<= 2")
                .add(
                        "b8_b1_throughput_ratio",
                        "b8_b1_throughput_ratio",
                        targetProfile.throughput(8) / targetProfile.throughput(1),
                        ">= 4");
        return summary;
    }

    /**
     * Verify pass times, and how many decode steps one pass costs: the price of checking {@code q -
     * 1} drafts at once, which speculation must beat.
     */
    private static void verifyTable(
            Summary summary, ModelProfile draftProfile, ModelProfile targetProfile) {
        List<String> header = new ArrayList<>(List.of("tokens q"));
        for (int b : VERIFY_BATCHES) {
            header.add("draft b" + b + " ms");
        }
        for (int b : VERIFY_BATCHES) {
            header.add("target b" + b + " ms");
        }
        header.add("target b1 / decode step");
        Table table =
                summary.table(
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
    }
}
