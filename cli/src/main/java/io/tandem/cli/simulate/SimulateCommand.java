package io.tandem.cli.simulate;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.tandem.cli.plot.LinePlot;
import io.tandem.cli.summary.Column;
import io.tandem.cli.summary.Figures;
import io.tandem.cli.summary.Summary;
import io.tandem.cli.summary.Table;
import io.tandem.cli.summary.Value;
import io.tandem.planner.cost.StepFit;
import io.tandem.planner.cost.StepProfile;
import io.tandem.planner.sim.Comparison;
import io.tandem.planner.sim.Goal;
import io.tandem.planner.sim.ModelPair;
import io.tandem.planner.sim.Scenario;
import io.tandem.planner.sim.Scheme;
import io.tandem.planner.sim.SchemeRun;
import io.tandem.planner.sim.Simulator;
import io.tandem.profile.MeasuredPair;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.DoubleFunction;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code ./tandem simulate}: the paper's set-up with every serving scheme side by side on the same
 * users, then (with {@code --plots}) sweeps over users, bandwidth, α and speculation length. Stage
 * times come from FLOPs on the paper's GPUs, or (with {@code --profile}) from step times that
 * {@code ./tandem bench models} measured on the bundled models, with their measured α.
 */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description =
                "Simulate the paper's edge set-up and compare the joint optimizer with the"
                        + " benchmark schemes.")
public final class SimulateCommand implements Callable<Integer> {

    private static final List<Scheme> SCHEMES = List.of(Scheme.values());
    // with l fixed for everyone, the fixed-l schemes would repeat the joint line
    private static final List<Scheme> FIXED_L_SCHEMES =
            List.of(
                    Scheme.JOINT,
                    Scheme.AUTOREGRESSIVE,
                    Scheme.UNIFORM_BANDWIDTH,
                    Scheme.MAX_BATCHING,
                    Scheme.NO_PIPELINING);
    private static final double[] USERS = {10, 25, 50, 100, 150, 200};
    private static final double[] BANDWIDTH_MHZ = {0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2, 20};
    private static final double[] ALPHAS = {0.5, 0.6, 0.7, 0.8, 0.9};
    private static final double[] LENGTHS = {1, 2, 3, 4, 5, 6, 7, 8};
    // the bundled models' context is 512: the longest prompt plus the output must fit
    private static final int MEASURED_MIN_PROMPT = 16;
    private static final int MEASURED_MAX_PROMPT = 256;
    private static final int MEASURED_OUTPUT_TOKENS = 128;

    @Spec CommandSpec spec;

    @Option(
            names = "--scenario",
            defaultValue = "paper",
            description = "Scenario; only 'paper' for now (default: ${DEFAULT-VALUE}).")
    String scenarioName;

    @Option(names = "--users", paramLabel = "N", description = "Users (default: 100).")
    Integer users;

    @Option(
            names = "--seeds",
            paramLabel = "S",
            defaultValue = "5",
            description = "Workloads drawn per point (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(
            names = "--pair",
            paramLabel = "PAIR",
            defaultValue = "68m-7b",
            description = "Model pair: 68m-7b, 1.1b-7b or 1.1b-13b (default: ${DEFAULT-VALUE}).")
    String pair;

    @Option(
            names = "--alpha",
            paramLabel = "A",
            description = "Acceptance rate (default: the pair's).")
    Double alpha;

    @Option(
            names = "--bandwidth-mhz",
            paramLabel = "W",
            description = "Total uplink bandwidth in MHz (default: 20).")
    Double bandwidthMhz;

    @Option(
            names = "--efficiency",
            paramLabel = "ETA",
            description = "Fraction of peak FLOP/s the devices reach (default: 0.5).")
    Double efficiency;

    @Option(
            names = "--exact-up-to",
            paramLabel = "K",
            defaultValue = "100",
            description =
                    "Plan windows of up to K requests with the exact DP, larger ones with the"
                            + " fast planner (default: ${DEFAULT-VALUE}).")
    int exactUpTo;

    @Option(
            names = "--goal",
            paramLabel = "GOAL",
            defaultValue = "MEAN_LATENCY",
            description =
                    "What every scheme plans for: MEAN_LATENCY (earliest batch first) or MAKESPAN"
                            + " (the paper's DP and round-robin pipeline) (default:"
                            + " ${DEFAULT-VALUE}).")
    Goal goal;

    @Option(
            names = "--profile",
            paramLabel = "FILE",
            description =
                    "Plan with stage times measured on the bundled models, from the JSON of"
                            + " './tandem bench models --json FILE', and its α, instead of the"
                            + " paper's GPUs.")
    Path profile;

    @Option(
            names = "--min-prompt",
            paramLabel = "TOKENS",
            description =
                    "Shortest prompt (default: 32, with --profile " + MEASURED_MIN_PROMPT + ").")
    Integer minPrompt;

    @Option(
            names = "--max-prompt",
            paramLabel = "TOKENS",
            description =
                    "Longest prompt (default: 512, with --profile " + MEASURED_MAX_PROMPT + ").")
    Integer maxPrompt;

    @Option(
            names = "--output-tokens",
            paramLabel = "N",
            description =
                    "Tokens generated per request (default: 256, with --profile "
                            + MEASURED_OUTPUT_TOKENS
                            + ").")
    Integer outputTokens;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = "--plots", paramLabel = "DIR", description = "Write sweep plots (PNG) here.")
    Path plots;

    @Override
    public Integer call() throws Exception {
        if (!scenarioName.equals("paper")) {
            throw new ParameterException(
                    spec.commandLine(),
                    "Unknown scenario '" + scenarioName + "'; the only one is 'paper'.");
        }
        MeasuredPair measured = measuredPair();
        Scenario scenario = scenario(measured);
        PrintStream out = System.out;
        printHeader(out, scenario, measured);
        List<Sweep> sweeps = new ArrayList<>();
        Comparison comparison;
        int sweepSeeds = Math.min(seeds, 3);
        int work =
                1
                        + (plots == null
                                ? 0
                                : USERS.length
                                        + BANDWIDTH_MHZ.length
                                        + ALPHAS.length
                                        + LENGTHS.length);
        try (ProgressBar progress = new ProgressBar("simulate", work)) {
            comparison =
                    Comparison.run(
                            new Simulator(scenario, exactUpTo).withGoal(goal), SCHEMES, seeds);
            progress.step();
            if (plots != null) {
                sweeps.add(
                        sweep(
                                "users",
                                "users",
                                USERS,
                                false,
                                SCHEMES,
                                progress,
                                sweepSeeds,
                                x ->
                                        new Simulator(scenario.withUsers((int) x), exactUpTo)
                                                .withGoal(goal)));
                sweeps.add(
                        sweep(
                                "bandwidth",
                                "uplink bandwidth (MHz)",
                                BANDWIDTH_MHZ,
                                true,
                                SCHEMES,
                                progress,
                                sweepSeeds,
                                x ->
                                        new Simulator(scenario.withBandwidth(x * 1e6), exactUpTo)
                                                .withGoal(goal)));
                sweeps.add(
                        sweep(
                                "alpha",
                                "acceptance rate α",
                                ALPHAS,
                                false,
                                SCHEMES,
                                progress,
                                sweepSeeds,
                                x ->
                                        new Simulator(scenario.withAlpha(x), exactUpTo)
                                                .withGoal(goal)));
                sweeps.add(
                        sweep(
                                "speculation-length",
                                "speculation length l (fixed)",
                                LENGTHS,
                                false,
                                FIXED_L_SCHEMES,
                                progress,
                                sweepSeeds,
                                x ->
                                        new Simulator(scenario, exactUpTo)
                                                .withGoal(goal)
                                                .withFixedSpeculation((int) x)));
            }
        }
        Summary summary = summary(scenario, measured, comparison, sweeps);
        summary.print(out);
        if (plots != null) {
            for (Sweep sweep : sweeps) {
                Path file = plots.resolve("latency-vs-" + sweep.name + ".png");
                sweep.plot().write(file);
                out.println("Wrote " + file);
            }
        }
        if (json != null) {
            summary.write(json);
            out.println("Wrote " + json);
        }
        return 0;
    }

    /** The profile of {@code --profile}, or {@code null} to cost the paper's GPUs. */
    private MeasuredPair measuredPair() throws IOException {
        if (profile == null) {
            return null;
        }
        ParseResult parsed = spec.commandLine().getParseResult();
        for (String gpuOption : new String[] {"--pair", "--efficiency"}) {
            if (parsed.hasMatchedOption(gpuOption)) {
                throw new ParameterException(
                        spec.commandLine(),
                        gpuOption
                                + " sets the paper's GPU cost model, which --profile replaces"
                                + " with measured costs; use one or the other.");
            }
        }
        try {
            return MeasuredPair.read(profile);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private Scenario scenario(MeasuredPair measured) {
        try {
            Scenario scenario = Scenario.paper().withPair(ModelPair.of(pair));
            if (measured != null) {
                scenario =
                        scenario.withCosts(measured.costs())
                                .withAlpha(measured.alpha())
                                .withPrompts(
                                        MEASURED_MIN_PROMPT,
                                        MEASURED_MAX_PROMPT,
                                        MEASURED_OUTPUT_TOKENS);
            }
            if (users != null) {
                scenario = scenario.withUsers(users);
            }
            if (alpha != null) {
                scenario = scenario.withAlpha(alpha);
            }
            if (bandwidthMhz != null) {
                scenario = scenario.withBandwidth(bandwidthMhz * 1e6);
            }
            if (efficiency != null) {
                scenario = scenario.withEfficiency(efficiency);
            }
            if (minPrompt != null || maxPrompt != null || outputTokens != null) {
                scenario =
                        scenario.withPrompts(
                                minPrompt != null ? minPrompt : scenario.minInputTokens(),
                                maxPrompt != null ? maxPrompt : scenario.maxInputTokens(),
                                outputTokens != null ? outputTokens : scenario.outputTokens());
            }
            if (measured != null
                    && scenario.maxInputTokens() + scenario.outputTokens()
                            > measured.contextLength()) {
                throw new IllegalArgumentException(
                        "prompts of up to "
                                + scenario.maxInputTokens()
                                + " tokens plus "
                                + scenario.outputTokens()
                                + " output tokens do not fit the measured models' context of "
                                + measured.contextLength()
                                + "; lower --max-prompt or --output-tokens");
            }
            return scenario;
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private void printHeader(PrintStream out, Scenario scenario, MeasuredPair measured) {
        String models =
                measured == null
                        ? String.format("%s (alpha %.2f)", scenario.pair(), scenario.alpha())
                        : String.format(
                                "costs measured in %s (max error %s %.1f%%, %s %.1f%%),"
                                        + " alpha %.2f",
                                measured.file(),
                                measured.draft().model(),
                                100 * measured.draftTime().maxRelativeError(),
                                measured.target().model(),
                                100 * measured.targetTime().maxRelativeError(),
                                scenario.alpha());
        String efficiency =
                measured == null
                        ? String.format(", efficiency %.2f", scenario.roofline().efficiency())
                        : "";
        out.printf(
                "Scenario paper: %d users, %s, uplink %.2f MHz%s, prompts %d-%d tokens, %d output"
                        + " tokens, %d seeds, goal %s%n%n",
                scenario.users(),
                models,
                scenario.uplink().bandwidthHz() / 1e6,
                efficiency,
                scenario.minInputTokens(),
                scenario.maxInputTokens(),
                scenario.outputTokens(),
                seeds,
                goal);
    }

    /** Coefficients span 1e-6 to 1 ms: three significant digits, not a table's decimals. */
    private static Value coefficient(double millis) {
        return Value.number(millis, "%.3g");
    }

    private Summary summary(
            Scenario scenario, MeasuredPair measured, Comparison comparison, List<Sweep> sweeps) {
        Summary summary = new Summary();
        Figures setup =
                summary.figures("setup", null)
                        .json("scenario", "paper")
                        .json("users", scenario.users())
                        .json("alpha", scenario.alpha())
                        .json("bandwidth_hz", scenario.uplink().bandwidthHz());
        if (measured == null) {
            setup.json("costs", "roofline")
                    .json("pair", scenario.pair().label())
                    .json("efficiency", scenario.roofline().efficiency());
        } else {
            setup.json("costs", "measured")
                    .json("profile", measured.file().toString())
                    .json("pair", measured.draft().model() + "/" + measured.target().model());
            if (measured.draftTime() instanceof StepFit draftFit
                    && measured.targetTime() instanceof StepFit targetFit) {
                Table fits =
                        summary.table(
                                        "setup.fits",
                                        "Step-time fits: ms = c0 + c1·b + c2·b·q + c3·b·q·context +"
                                                + " c4·ln(b·q), b sequences adding q tokens",
                                        Column.of("role", "model"),
                                        Column.of("fixed_ms", "c0"),
                                        Column.of("per_sequence_ms", "c1"),
                                        Column.of("per_token_ms", "c2"),
                                        Column.of("per_attention_ms", "c3"),
                                        Column.of("per_log_tokens_ms", "c4"),
                                        Column.shown("samples"),
                                        Column.of("max_relative_error", "max error %"))
                                .keyed();
                fitRow(fits, "draft", measured.draft(), draftFit);
                fitRow(fits, "target", measured.target(), targetFit);
            } else {
                setup.json("draft_shapes", measured.draft().samples().size())
                        .json("target_shapes", measured.target().samples().size());
            }
        }
        setup.json("min_input_tokens", scenario.minInputTokens())
                .json("max_input_tokens", scenario.maxInputTokens())
                .json("output_tokens", scenario.outputTokens())
                .json("goal", goal.name());
        Table schemes =
                summary.table(
                        "schemes",
                        "Mean and p99 latency per request (s); reduction = how much lower the joint"
                                + " optimizer is",
                        Column.of("scheme", "scheme"),
                        Column.json("description"),
                        Column.of("mean_s", "mean s"),
                        Column.of("p99_s", "p99 s"),
                        Column.shown("reduction mean %"),
                        Column.shown("reduction p99 %"),
                        Column.of("makespan_s", "makespan s"),
                        Column.of("batches_first_seed", "batches"),
                        Column.of("l_first_seed", "l"),
                        Column.of("plan_ms", "plan ms"));
        double jointP99 = comparison.p99(Scheme.JOINT);
        for (Scheme scheme : comparison.schemes()) {
            SchemeRun first = comparison.firstRun(scheme);
            boolean joint = scheme == Scheme.JOINT;
            double p99 = comparison.p99(scheme);
            schemes.row(
                    scheme.label(),
                    scheme.description(),
                    comparison.mean(scheme),
                    p99,
                    joint ? "-" : String.format("%.1f", comparison.reductionPercent(scheme)),
                    joint ? "-" : String.format("%.1f", 100 * (p99 - jointP99) / p99),
                    comparison.makespan(scheme),
                    first.batches(),
                    new Value(
                            new JsonPrimitive(first.speculationLength()),
                            first.speculationLength() == 0
                                    ? "-"
                                    : String.valueOf(first.speculationLength())),
                    comparison.planMillis(scheme));
        }
        summary.line("batches and l: the plan for the first seed's workload.").line("");
        summary.figures("summary", null)
                .json(
                        "reduction_vs_uniform_bandwidth_pct",
                        comparison.reductionPercent(Scheme.UNIFORM_BANDWIDTH))
                .json(
                        "reduction_vs_max_batching_pct",
                        comparison.reductionPercent(Scheme.MAX_BATCHING))
                .json("reduction_vs_fixed_l3_pct", comparison.reductionPercent(Scheme.FIXED_L3))
                .json("reduction_vs_fixed_l5_pct", comparison.reductionPercent(Scheme.FIXED_L5))
                .json("reduction_vs_ad_pct", comparison.reductionPercent(Scheme.AUTOREGRESSIVE))
                .json(
                        "reduction_vs_no_pipelining_pct",
                        comparison.reductionPercent(Scheme.NO_PIPELINING));
        Figures sweepJson = summary.figures("sweeps", null);
        for (Sweep sweep : sweeps) {
            sweepJson.json(sweep.name, sweep.toJson());
        }
        return summary;
    }

    /** A fit's coefficients; its error as a fraction in the JSON and a percentage on screen. */
    private static void fitRow(Table fits, String role, StepProfile model, StepFit fit) {
        fits.row(
                new Value(new JsonPrimitive(role), model.model()),
                coefficient(fit.fixedMillis()),
                coefficient(fit.perSequenceMillis()),
                coefficient(fit.perTokenMillis()),
                coefficient(fit.perAttentionMillis()),
                coefficient(fit.perLogTokensMillis()),
                model.samples().size(),
                Value.measured(
                        fit.maxRelativeError(), Value.number(100 * fit.maxRelativeError()).text()));
    }

    private static Sweep sweep(
            String name,
            String xLabel,
            double[] xs,
            boolean logX,
            List<Scheme> schemes,
            ProgressBar progress,
            int seeds,
            DoubleFunction<Simulator> simulatorAt) {
        Sweep sweep = new Sweep(name, xLabel, xs, logX, schemes);
        for (int i = 0; i < xs.length; i++) {
            Comparison comparison = Comparison.run(simulatorAt.apply(xs[i]), schemes, seeds);
            for (Scheme scheme : schemes) {
                sweep.mean(scheme)[i] = comparison.mean(scheme);
            }
            progress.step();
        }
        return sweep;
    }

    /** Mean latency of every scheme at each x of one swept parameter. */
    private static final class Sweep {
        final String name;
        final String xLabel;
        final double[] x;
        final boolean logX;
        final List<Scheme> schemes;
        final double[][] means = new double[Scheme.values().length][];

        Sweep(String name, String xLabel, double[] x, boolean logX, List<Scheme> schemes) {
            this.name = name;
            this.xLabel = xLabel;
            this.x = x;
            this.logX = logX;
            this.schemes = schemes;
            for (Scheme scheme : Scheme.values()) {
                means[scheme.ordinal()] = new double[x.length];
            }
        }

        double[] mean(Scheme scheme) {
            return means[scheme.ordinal()];
        }

        LinePlot plot() {
            LinePlot plot =
                    new LinePlot("Mean latency vs " + xLabel, xLabel, "mean latency (s)", x);
            if (logX) {
                plot.logX();
            }
            for (Scheme scheme : schemes) {
                plot.series(scheme.label(), mean(scheme));
            }
            return plot;
        }

        JsonObject toJson() {
            JsonObject json = new JsonObject();
            json.add("x", array(x));
            JsonObject series = new JsonObject();
            for (Scheme scheme : schemes) {
                series.add(scheme.label(), array(mean(scheme)));
            }
            json.add("mean_s", series);
            return json;
        }

        private static JsonArray array(double[] values) {
            JsonArray array = new JsonArray();
            Arrays.stream(values).forEach(array::add);
            return array;
        }
    }
}
