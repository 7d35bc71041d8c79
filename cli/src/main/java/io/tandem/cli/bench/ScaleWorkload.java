package io.tandem.cli.bench;

import io.tandem.cli.replay.PromptSynthesizer;
import io.tandem.cli.replay.TraceRequest;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The requests of {@code ./tandem bench scale}: prompt and output lengths drawn from the rows of a
 * recorded trace (the Azure sample by default), prompts cut from a corpus to those lengths and
 * capped to the context, greedy, arriving as a Poisson process. A phase's requests depend only on
 * its tag and seed, so every mode serves the same ones. Immutable.
 */
final class ScaleWorkload {

    private final List<PromptSynthesizer.Prompt> mix;
    private final long seed;

    /**
     * @param rows the trace whose (prompt, output) lengths to draw, at least one
     * @param corpus ASCII text to cut prompts from
     * @param contextLength the models' context, which prompt and output must fit together
     */
    ScaleWorkload(List<TraceRequest> rows, String corpus, int contextLength, long seed) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("the length mix needs at least one trace row");
        }
        PromptSynthesizer prompts = new PromptSynthesizer(corpus, contextLength);
        this.mix = rows.stream().map(prompts::prompt).toList();
        this.seed = seed;
    }

    /** The mix's mean prompt length in tokens (bytes) and mean output length. */
    double[] meanLengths() {
        return new double[] {
            mix.stream().mapToInt(p -> p.text().length()).average().orElseThrow(),
            mix.stream().mapToInt(PromptSynthesizer.Prompt::maxNewTokens).average().orElseThrow()
        };
    }

    /** One phase: {@code count} requests with ids {@code tag-i}, at {@code rate} per second. */
    Phase phase(String tag, int count, double rate) {
        SplittableRandom random = new SplittableRandom(seed * 31 + tag.hashCode());
        List<PromptSynthesizer.Prompt> drawn = new ArrayList<>(count);
        double[] arrivals = new double[count];
        for (int i = 0; i < count; i++) {
            drawn.add(mix.get(random.nextInt(mix.size())));
            if (i > 0) {
                arrivals[i] = arrivals[i - 1] - Math.log(1 - random.nextDouble()) * 1000 / rate;
            }
        }
        return new Phase(tag, drawn, arrivals);
    }

    /** The requests of one phase and their arrival offsets in ms. */
    record Phase(String tag, List<PromptSynthesizer.Prompt> prompts, double[] arrivals) {

        int size() {
            return prompts.size();
        }

        String id(int i) {
            return tag + "-" + i;
        }

        InferenceRequest request(int i, Instant sendTime) {
            PromptSynthesizer.Prompt prompt = prompts.get(i);
            return InferenceRequest.newBuilder()
                    .setRequestId(id(i))
                    .setTenantId("bench")
                    .setPrompt(prompt.text())
                    .setMaxNewTokens(prompt.maxNewTokens())
                    .setSampling(new Sampling(0f, 1f, null))
                    .setClientSendTime(sendTime)
                    .setMetadata(Map.of("source", "tandem bench scale"))
                    .build();
        }
    }
}
