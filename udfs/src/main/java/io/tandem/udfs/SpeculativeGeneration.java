package io.tandem.udfs;

import io.tandem.model.Generation;
import io.tandem.speculative.AcceptanceStats;
import java.util.Objects;

/**
 * A request's output under speculative decoding, with how it got there. Immutable.
 *
 * @param generation the tokens and finish reason, as plain decoding with the target would give
 * @param rounds draft-and-verify rounds the request took
 * @param acceptance drafted and accepted tokens per draft position over those rounds
 */
public record SpeculativeGeneration(Generation generation, int rounds, AcceptanceStats acceptance) {

    public SpeculativeGeneration {
        Objects.requireNonNull(generation, "generation");
        Objects.requireNonNull(acceptance, "acceptance");
    }
}
