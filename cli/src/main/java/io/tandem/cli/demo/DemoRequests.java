package io.tandem.cli.demo;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The demo's sample traffic: a few Austen-style prompts, greedy and sampled, and one bad record.
 */
public final class DemoRequests {

    private DemoRequests() {}

    private record Sample(String prompt, int maxNewTokens, Sampling sampling) {}

    private static final Sampling GREEDY = new Sampling(0f, 1f, null);

    private static final List<Sample> SAMPLES =
            List.of(
                    new Sample(
                            "It is a truth universally acknowledged, that a single man in"
                                    + " possession of a good fortune",
                            60,
                            GREEDY),
                    new Sample("Mr. Darcy walked", 60, GREEDY),
                    new Sample("Elizabeth could not help", 80, GREEDY),
                    new Sample("The weather was fine, and", 80, new Sampling(0.8f, 0.95f, 7L)),
                    new Sample("Emma Woodhouse, handsome, clever, and rich,", 60, GREEDY),
                    new Sample("Captain Wentworth", 40, GREEDY),
                    new Sample("\"My dear Mrs. Bennet,\" said he,", 80, GREEDY),
                    new Sample("She had never been", 80, new Sampling(1.0f, 0.9f, 42L)));

    /** A short request whose result shows that the job is up and the model loaded. */
    public static InferenceRequest warmUp(Instant now) {
        return InferenceRequest.newBuilder()
                .setRequestId("warm-up")
                .setTenantId("demo")
                .setPrompt("Good morning")
                .setMaxNewTokens(4)
                .setClientSendTime(now)
                .build();
    }

    /**
     * Short requests, one for each of the job's batching lanes (lanes go by the hash of the request
     * id), so that every model worker and loop head has run once before a measurement starts; ids
     * {@code warm-up-<tag>-<k>}.
     */
    public static List<InferenceRequest> warmUps(int lanes, String tag, int maxNewTokens) {
        Set<Integer> covered = new HashSet<>();
        List<InferenceRequest> requests = new ArrayList<>();
        for (int k = 0; covered.size() < lanes; k++) {
            String id = "warm-up-" + tag + "-" + k;
            if (covered.add(Math.floorMod(id.hashCode(), lanes))) {
                InferenceRequest request = warmUp(Instant.now());
                request.setRequestId(id);
                request.setMaxNewTokens(maxNewTokens);
                requests.add(request);
            }
        }
        return requests;
    }

    /** The sample requests, ids {@code demo-1...}; set their send time as they are sent. */
    public static List<InferenceRequest> requests() {
        List<InferenceRequest> requests = new ArrayList<>();
        for (int i = 0; i < SAMPLES.size(); i++) {
            Sample sample = SAMPLES.get(i);
            requests.add(
                    InferenceRequest.newBuilder()
                            .setRequestId("demo-" + (i + 1))
                            .setTenantId("demo")
                            .setPrompt(sample.prompt())
                            .setMaxNewTokens(sample.maxNewTokens())
                            .setSampling(sample.sampling())
                            .setClientSendTime(Instant.EPOCH)
                            .setMetadata(Map.of("source", "tandem demo"))
                            .build());
        }
        return requests;
    }

    /** A record that is not Avro at all, as a misconfigured producer might send. */
    public static byte[] malformedRecord() {
        return "{\"requestId\": \"oops\", \"prompt\": \"JSON is not Avro\"}"
                .getBytes(StandardCharsets.UTF_8);
    }
}
