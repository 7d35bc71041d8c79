package io.tandem.job.operators;

import io.tandem.job.config.JobConfig.Limits;
import io.tandem.job.operators.Verdict.Accepted;
import io.tandem.job.operators.Verdict.Rejected;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.Sampling;
import io.tandem.udfs.Speculation;
import java.util.function.Function;

/**
 * Decides whether a decoded request can be served: ids present, prompt non-empty and within the
 * limits, generation settings in range, prompt plus output within the model's context. Pure apart
 * from the injected tokenizer; rejections name the field, the value and the fix.
 */
public final class RequestValidator {

    static final int MAX_REQUEST_ID_LENGTH = 256;

    /** What a lenient UTF-8 decoder puts in place of bytes that are not UTF-8. */
    private static final char REPLACEMENT_CHARACTER = '\uFFFD';

    private final Limits limits;
    private final int contextLength;
    private final Function<String, int[]> tokenizer;

    /**
     * @param contextLength the model's context in tokens; prompt plus output must fit in it
     * @param tokenizer the serving model's tokenizer, so limits count the tokens the model sees
     */
    public RequestValidator(Limits limits, int contextLength, Function<String, int[]> tokenizer) {
        this.limits = limits;
        this.contextLength = contextLength;
        this.tokenizer = tokenizer;
    }

    public Verdict check(InferenceRequest request) {
        String id = request.getRequestId();
        if (id == null || id.isBlank()) {
            return reject(
                    DeadLetterCode.MISSING_FIELD,
                    "requestId",
                    "requestId is empty; give every request a unique id.",
                    null);
        }
        if (id.length() > MAX_REQUEST_ID_LENGTH) {
            return reject(
                    DeadLetterCode.BAD_PARAMETER,
                    "requestId",
                    "requestId is "
                            + id.length()
                            + " characters; at most "
                            + MAX_REQUEST_ID_LENGTH
                            + " are allowed.",
                    id.substring(0, MAX_REQUEST_ID_LENGTH));
        }
        Rejected badSampling = checkSampling(request.getSampling(), id);
        if (badSampling != null) {
            return badSampling;
        }
        Integer deadline = request.getDeadlineMs();
        if (deadline != null && deadline < 1) {
            return reject(
                    DeadLetterCode.BAD_PARAMETER,
                    "deadlineMs",
                    "deadlineMs is "
                            + deadline
                            + "; give a positive number of milliseconds from clientSendTime, or"
                            + " null for no deadline.",
                    id);
        }
        try {
            Speculation.parse(request.getSpeculation());
        } catch (IllegalArgumentException e) {
            return reject(DeadLetterCode.BAD_PARAMETER, "speculation", e.getMessage() + ".", id);
        }
        int maxNew = request.getMaxNewTokens();
        if (maxNew < 1 || maxNew > limits.maxNewTokens()) {
            return reject(
                    DeadLetterCode.BAD_PARAMETER,
                    "maxNewTokens",
                    "maxNewTokens is "
                            + maxNew
                            + "; it must be between 1 and "
                            + limits.maxNewTokens()
                            + " (tandem.limits.max-new-tokens).",
                    id);
        }
        String prompt = request.getPrompt();
        if (prompt == null || prompt.isEmpty()) {
            return reject(
                    DeadLetterCode.PROMPT_EMPTY,
                    "prompt",
                    "The prompt is empty; send the text to continue.",
                    id);
        }
        if (prompt.indexOf(REPLACEMENT_CHARACTER) >= 0) {
            // Avro decodes strings leniently: bytes that are not UTF-8 arrive as U+FFFD, and a
            // prompt the producer garbled would be answered as if it had been sent so
            return reject(
                    DeadLetterCode.MALFORMED_AVRO,
                    "prompt",
                    "The prompt's bytes are not valid UTF-8 (or it contains U+FFFD, the"
                            + " replacement character); Avro strings are UTF-8. Encode the prompt"
                            + " as UTF-8.",
                    id);
        }
        int[] tokens = tokenizer.apply(prompt);
        if (tokens.length == 0) {
            return reject(
                    DeadLetterCode.PROMPT_EMPTY,
                    "prompt",
                    "The prompt has no tokens the model knows; send text the tokenizer can encode.",
                    id);
        }
        int promptLimit = Math.min(limits.maxPromptTokens(), contextLength - 1);
        if (tokens.length > promptLimit) {
            return reject(
                    DeadLetterCode.PROMPT_TOO_LONG,
                    "prompt",
                    "The prompt is "
                            + tokens.length
                            + " tokens; at most "
                            + promptLimit
                            + " are allowed (model context "
                            + contextLength
                            + ", tandem.limits.max-prompt-tokens "
                            + limits.maxPromptTokens()
                            + ").",
                    id);
        }
        if (tokens.length + maxNew > contextLength) {
            return reject(
                    DeadLetterCode.BAD_PARAMETER,
                    "maxNewTokens",
                    "The prompt is "
                            + tokens.length
                            + " tokens and maxNewTokens is "
                            + maxNew
                            + ", more than the model's context of "
                            + contextLength
                            + " tokens; lower maxNewTokens to at most "
                            + (contextLength - tokens.length)
                            + ".",
                    id);
        }
        return new Accepted(request, tokens);
    }

    private Rejected checkSampling(Sampling sampling, String id) {
        float temperature = sampling.getTemperature();
        if (!(temperature >= 0 && temperature <= limits.maxTemperature())) {
            return reject(
                    DeadLetterCode.BAD_PARAMETER,
                    "sampling.temperature",
                    "temperature is "
                            + temperature
                            + "; it must be between 0 (greedy) and "
                            + limits.maxTemperature()
                            + " (tandem.limits.max-temperature).",
                    id);
        }
        float topP = sampling.getTopP();
        if (!(topP > 0 && topP <= 1)) {
            return reject(
                    DeadLetterCode.BAD_PARAMETER,
                    "sampling.topP",
                    "topP is "
                            + topP
                            + "; it must be in (0, 1], and 1 keeps the whole distribution.",
                    id);
        }
        return null;
    }

    private static Rejected reject(
            DeadLetterCode code, String field, String reason, String requestId) {
        return new Rejected(code, field, reason, requestId);
    }
}
