package io.tandem.cli.bench;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The request set of {@code ./tandem bench pipeline}: greedy prompts of varied length cut from
 * held-out text, and Poisson arrival times per rate. Every mode and both paths (Kafka + Flink, and
 * the in-process loop) see the same requests, with the same ids, at the same offsets. Immutable.
 *
 * @param prompts one prompt per request, in arrival order
 * @param maxNewTokens tokens each request asks for
 * @param seed seeds the prompt lengths and, mixed with the rate, the inter-arrival times
 */
public record PipelineWorkload(List<String> prompts, int maxNewTokens, long seed) {

    public PipelineWorkload {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("a workload needs at least one request");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("maxNewTokens must be >= 1, got " + maxNewTokens);
        }
    }

    /**
     * {@code count} prompts, the i-th the first {@code minChars..maxChars} characters (uniform,
     * seeded) of the i-th paragraph of {@code heldOut} that has {@code maxChars} or more; the
     * paragraphs are reused in turn when there are fewer than {@code count}.
     */
    public static PipelineWorkload read(
            Path heldOut, int count, int minChars, int maxChars, int maxNewTokens, long seed)
            throws IOException {
        if (count < 1 || minChars < 1 || maxChars < minChars) {
            throw new IllegalArgumentException(
                    "need count >= 1 and 1 <= minChars <= maxChars; got "
                            + count
                            + ", "
                            + minChars
                            + ", "
                            + maxChars);
        }
        List<String> paragraphs = new ArrayList<>();
        for (String paragraph : Files.readString(heldOut).split("\\n\\s*\\n")) {
            String text = paragraph.strip().replaceAll("\\s+", " ");
            if (text.length() >= maxChars) {
                paragraphs.add(text);
            }
        }
        if (paragraphs.isEmpty()) {
            throw new IllegalArgumentException(
                    heldOut + " has no paragraph of " + maxChars + "+ characters");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<String> prompts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = random.nextInt(minChars, maxChars + 1);
            prompts.add(paragraphs.get(i % paragraphs.size()).substring(0, length));
        }
        return new PipelineWorkload(prompts, maxNewTokens, seed);
    }

    public int size() {
        return prompts.size();
    }

    /** The id of request {@code i}, the same in every run so requests land in the same lanes. */
    public static String id(int i) {
        return "q-" + i;
    }

    /** The ids of all requests, {@link #id} of 0 to {@code size() - 1}. */
    public Set<String> ids() {
        return IntStream.range(0, size())
                .mapToObj(PipelineWorkload::id)
                .collect(Collectors.toSet());
    }

    /**
     * Arrival offsets in ms for a Poisson process of {@code ratePerSecond}: the first request at 0,
     * then exponential gaps. The same rate always gives the same offsets.
     */
    public double[] arrivals(double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be > 0, got " + ratePerSecond);
        }
        SplittableRandom random =
                new SplittableRandom(seed * 31 + Double.doubleToLongBits(ratePerSecond));
        double[] offsets = new double[size()];
        for (int i = 1; i < offsets.length; i++) {
            offsets[i] = offsets[i - 1] - Math.log(1 - random.nextDouble()) * 1000 / ratePerSecond;
        }
        return offsets;
    }

    /** Request {@code i} as sent, stamped with its scheduled send time. */
    public InferenceRequest request(int i, Instant sendTime) {
        return InferenceRequest.newBuilder()
                .setRequestId(id(i))
                .setTenantId("bench")
                .setPrompt(prompts.get(i))
                .setMaxNewTokens(maxNewTokens)
                .setSampling(new Sampling(0f, 1f, null))
                .setClientSendTime(sendTime)
                .setMetadata(Map.of("source", "tandem bench pipeline"))
                .build();
    }
}
