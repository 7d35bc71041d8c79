package io.tandem.cli.bench;

import io.tandem.cli.summary.Figures;
import java.io.IOException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The request set of the serving benchmarks: prompts of a random length cut from held-out text,
 * greedy, each asking for the same number of new tokens (see {@link PipelineWorkload}).
 */
final class WorkloadOptions {

    @Option(
            names = "--new-tokens",
            paramLabel = "N",
            defaultValue = "64",
            description = "maxNewTokens of every request, greedy (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(
            names = "--prompt-chars",
            paramLabel = "MIN,MAX",
            split = ",",
            defaultValue = "32,200",
            description = "Prompt lengths in characters, uniform (default: ${DEFAULT-VALUE}).")
    int[] promptChars;

    @Option(
            names = "--seed",
            paramLabel = "S",
            defaultValue = "7",
            description =
                    "Seed of the prompt lengths (and arrival times) (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin HeldOutText heldOut;

    /** {@code requests} prompts as these options describe them. */
    PipelineWorkload read(int requests) throws IOException {
        if (promptChars.length != 2) {
            throw new IllegalArgumentException("--prompt-chars takes MIN,MAX");
        }
        return PipelineWorkload.read(
                heldOut.file(), requests, promptChars[0], promptChars[1], newTokens, seed);
    }

    /** The request set as a header states it: "40 requests (prompts 32-200 chars, ...)". */
    String describe(PipelineWorkload workload) {
        return String.format(
                "%d requests (prompts %d-%d chars, %d new tokens, greedy)",
                workload.size(), minPromptChars(), maxPromptChars(), workload.maxNewTokens());
    }

    /** Adds the request set's figures to a summary's {@code setup}. */
    void describe(Figures setup, PipelineWorkload workload) {
        setup.json("requests", workload.size())
                .json("new_tokens", workload.maxNewTokens())
                .json("prompt_chars_min", minPromptChars())
                .json("prompt_chars_max", maxPromptChars())
                .json("seed", workload.seed());
    }

    int minPromptChars() {
        return promptChars[0];
    }

    int maxPromptChars() {
        return promptChars[1];
    }
}
