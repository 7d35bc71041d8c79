package io.tandem.job.operators;

import io.tandem.job.config.JobConfig.Generation;
import io.tandem.job.config.JobConfig.Limits;
import io.tandem.job.operators.Verdict.Accepted;
import io.tandem.job.operators.Verdict.Rejected;
import io.tandem.model.ModelException;
import io.tandem.model.TextTokenizer;
import io.tandem.schemas.DeadLetter;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.internal.AdmittedRequest;
import io.tandem.udfs.LogThrottle;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admits requests: decodes each Kafka record, validates it against the limits and the serving
 * model's tokenizer and context, and emits an {@link AdmittedRequest} carrying the prompt's tokens.
 * Everything refused goes to {@link #DEAD_LETTERS} with the original bytes and the reason; nothing
 * here throws on bad input, so one bad record never stops the job.
 *
 * <p>Metrics (group {@code tandem}): {@code requestsIn}, {@code requestsAdmitted}, {@code
 * requestsDeadLettered}, and {@code deadLetters} per {@link DeadLetterCode} in the key-value group
 * {@code code}.
 */
public class DecodeRequestFunction extends ProcessFunction<RawRecord, AdmittedRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(DecodeRequestFunction.class);

    /**
     * At most one log line per this many milliseconds for dead letters: a producer gone wrong sends
     * bad records by the thousand, and the metric {@code requestsDeadLettered} counts them all.
     */
    public static final long DEAD_LETTER_LOG_INTERVAL_MS = 1000;

    /** Side output of refused records. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    private final Limits limits;
    private final Generation models;

    private transient RequestDecoder decoder;
    private transient RequestValidator validator;
    private transient TextTokenizer tokenizer;
    private transient Counter requestsIn;
    private transient Counter requestsAdmitted;
    private transient Counter requestsDeadLettered;
    private transient Map<DeadLetterCode, Counter> deadLettersByCode;
    private transient LogThrottle deadLetterLog;

    /**
     * @param models the serving models: the target's tokenizer and the smaller context of target
     *     and draft define the limits
     */
    public DecodeRequestFunction(Limits limits, Generation models) {
        this.limits = limits;
        this.models = models;
    }

    @Override
    public void open(OpenContext openContext) throws ModelException {
        tokenizer = TextTokenizer.load(Path.of(models.modelDir()).resolve("tokenizer.json"));
        decoder = new RequestDecoder(limits.maxRecordBytes());
        validator = new RequestValidator(limits, models.contextLength(), tokenizer::encode);
        MetricGroup metrics = getRuntimeContext().getMetricGroup().addGroup("tandem");
        requestsIn = metrics.counter("requestsIn");
        requestsAdmitted = metrics.counter("requestsAdmitted");
        requestsDeadLettered = metrics.counter("requestsDeadLettered");
        // one series per code from the start, each a label value where the reporter has labels
        deadLettersByCode = new EnumMap<>(DeadLetterCode.class);
        for (DeadLetterCode code : DeadLetterCode.values()) {
            deadLettersByCode.put(
                    code, metrics.addGroup("code", code.name()).counter("deadLetters"));
        }
        deadLetterLog = new LogThrottle(DEAD_LETTER_LOG_INTERVAL_MS);
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<AdmittedRequest> out) {
        requestsIn.inc();
        long now = ctx.timerService().currentProcessingTime();
        Verdict verdict;
        try {
            InferenceRequest request = decoder.decode(record.value());
            verdict = validator.check(request);
        } catch (RejectedException e) {
            verdict = e.rejection();
        }
        if (verdict instanceof Accepted accepted) {
            requestsAdmitted.inc();
            out.collect(
                    AdmittedRequest.newBuilder()
                            .setRequest(accepted.request())
                            .setPromptTokenIds(toList(accepted.promptTokens()))
                            .setArrivalTime(Instant.ofEpochMilli(now))
                            .setSource(record.coordinates())
                            .build());
        } else {
            Rejected rejected = (Rejected) verdict;
            requestsDeadLettered.inc();
            deadLettersByCode.get(rejected.code()).inc();
            long quiet = deadLetterLog.quietSince(now);
            if (quiet >= 0) {
                LOG.info(
                        "Dead-lettered {} (request {}): {} {}{}",
                        record.coordinates(),
                        rejected.requestId(),
                        rejected.code(),
                        rejected.reason(),
                        LogThrottle.heldBack(quiet));
            }
            ctx.output(DEAD_LETTERS, deadLetter(record, rejected, now));
        }
    }

    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    static DeadLetter deadLetter(RawRecord record, Rejected rejected, long now) {
        return DeadLetter.newBuilder()
                .setOriginalBytes(ByteBuffer.wrap(record.value()))
                .setTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setErrorCode(rejected.code())
                .setField(rejected.field())
                .setReason(rejected.reason())
                .setRequestId(rejected.requestId())
                .setTime(Instant.ofEpochMilli(now))
                .build();
    }

    private static List<Integer> toList(int[] tokens) {
        return Arrays.stream(tokens).boxed().collect(Collectors.toList());
    }
}
