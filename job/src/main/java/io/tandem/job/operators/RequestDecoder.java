package io.tandem.job.operators;

import io.tandem.job.operators.Verdict.Rejected;
import io.tandem.schemas.DeadLetterCode;
import io.tandem.schemas.InferenceRequest;
import io.tandem.schemas.ReleasedSchemas;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;

/**
 * Decodes request bytes (plain Avro binary of {@link InferenceRequest}). Anything that is not
 * exactly one well-formed record, of at most the configured size, is refused with a {@link
 * Rejected} that says why.
 *
 * <p>Not thread-safe: it reuses its Avro reader and decoder across calls. One per subtask.
 */
final class RequestDecoder implements Serializable {

    private static final byte CONFLUENT_MAGIC = 0;

    private final int maxRecordBytes;
    // this schema's reader first, then one per released schema, newest first
    private transient List<SpecificDatumReader<InferenceRequest>> readers;
    private transient BinaryDecoder decoder;

    RequestDecoder(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    /** Returns the decoded request, or throws the reason there is none. */
    InferenceRequest decode(byte[] bytes) throws RejectedException {
        if (bytes.length == 0) {
            throw malformed("The record has no value (empty or tombstone).");
        }
        if (bytes.length > maxRecordBytes) {
            throw new RejectedException(
                    DeadLetterCode.RECORD_TOO_LARGE,
                    null,
                    "The record is "
                            + bytes.length
                            + " bytes; the limit (tandem.limits.max-record-bytes) is "
                            + maxRecordBytes
                            + ". Shorten the prompt or raise the limit.",
                    null);
        }
        if (readers == null) {
            readers = new ArrayList<>();
            readers.add(new SpecificDatumReader<>(InferenceRequest.class));
            // records carry no writer schema: one from a producer built against an earlier
            // release is shorter than this schema expects, and reads with its own
            for (Schema released : ReleasedSchemas.newestFirst("InferenceRequest")) {
                readers.add(new SpecificDatumReader<>(released, InferenceRequest.getClassSchema()));
            }
        }
        RejectedException first = null;
        for (SpecificDatumReader<InferenceRequest> reader : readers) {
            try {
                return read(bytes, reader);
            } catch (RejectedException e) {
                first = first == null ? e : first;
            }
        }
        throw first;
    }

    /** The request in {@code bytes} as {@code reader}'s writer schema lays it out. */
    private InferenceRequest read(byte[] bytes, SpecificDatumReader<InferenceRequest> reader)
            throws RejectedException {
        // A first pass only skips: it checks every declared length against the bytes actually
        // present, so a corrupt length cannot make the real read allocate gigabytes.
        try {
            decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
            GenericDatumReader.skip(reader.getSchema(), decoder);
            if (!decoder.isEnd()) {
                throw malformed(
                        bytes,
                        "The bytes hold an InferenceRequest followed by unread data; expected"
                                + " exactly one record. A producer writing with a newer schema"
                                + " that adds fields leaves such data: the job reads plain Avro in"
                                + " its own schema or a released one, so upgrade the job first,"
                                + " or write with the job's schema.");
            }
            decoder = DecoderFactory.get().binaryDecoder(bytes, decoder);
            return reader.read(null, decoder);
        } catch (RejectedException e) {
            throw e;
        } catch (Exception | StackOverflowError e) {
            throw malformed(
                    bytes,
                    "Not a valid Avro InferenceRequest ("
                            + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage())
                            + ").");
        }
    }

    private static RejectedException malformed(byte[] bytes, String problem) {
        String hint = "";
        if (bytes.length > 5 && bytes[0] == CONFLUENT_MAGIC) {
            hint =
                    " The record starts with byte 0, like Schema Registry framing (magic byte +"
                            + " schema id); Tandem reads plain Avro binary without framing.";
        } else if (bytes[0] == '{' || bytes[0] == '[') {
            hint = " The record looks like JSON text; Tandem reads Avro binary.";
        }
        return malformed(
                problem
                        + hint
                        + " Produce plain Avro binary with the schema in"
                        + " schemas/src/main/avro/InferenceRequest.avsc.");
    }

    private static RejectedException malformed(String reason) {
        return new RejectedException(DeadLetterCode.MALFORMED_AVRO, null, reason, null);
    }
}
