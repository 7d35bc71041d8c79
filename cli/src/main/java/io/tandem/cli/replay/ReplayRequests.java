package io.tandem.cli.replay;

import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import io.tandem.schemas.TraceInfo;
import java.time.Instant;

/**
 * Turns trace requests into the job's requests and says when to send each: at its recorded arrival,
 * scaled by the speed-up, on an absolute clock from the replay's start (so one late send never
 * delays the ones after it). Each request remembers where it came from ({@code trace}).
 */
public final class ReplayRequests {

    private final String traceName;
    private final PromptSynthesizer prompts;
    private final double speedup;

    /**
     * @param traceName names the requests ({@code <traceName>-<line>}); a replay makes it unique
     *     per run, so that runs can share a topic
     * @param speedup how many times faster than recorded, {@code > 0}
     */
    public ReplayRequests(String traceName, PromptSynthesizer prompts, double speedup) {
        if (!(speedup > 0) || Double.isInfinite(speedup)) {
            throw new IllegalArgumentException("speedup must be > 0, got " + speedup);
        }
        this.traceName = traceName;
        this.prompts = prompts;
        this.speedup = speedup;
    }

    /** Nanoseconds after the replay's start at which {@code request} is due. */
    public long dueNanos(TraceRequest request) {
        return Math.round(request.arrivalMs() * 1e6 / speedup);
    }

    /** The job's request for {@code request}, sent at {@code sendTime}. */
    public InferenceRequest toRequest(TraceRequest request, Instant sendTime) {
        PromptSynthesizer.Prompt prompt = prompts.prompt(request);
        return InferenceRequest.newBuilder()
                .setRequestId(traceName + "-" + request.line())
                .setTenantId(request.tenant() != null ? request.tenant() : "default")
                .setPrompt(prompt.text())
                .setMaxNewTokens(prompt.maxNewTokens())
                .setSampling(new Sampling(request.temperature(), request.topP(), request.seed()))
                .setClientSendTime(sendTime)
                .setTrace(
                        TraceInfo.newBuilder()
                                .setOriginalTimestamp(Instant.ofEpochMilli(request.arrivalMs()))
                                .setContextTokens(request.inputTokens())
                                .setGeneratedTokens(request.outputTokens())
                                .build())
                .build();
    }
}
