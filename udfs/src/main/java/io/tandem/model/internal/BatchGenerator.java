package io.tandem.model.internal;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.tandem.model.FinishReason;
import io.tandem.model.Generation;
import io.tandem.model.GenerationRequest;
import io.tandem.model.Sampler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched autoregressive decoding with a KV cache: one prefill pass over all (left-padded) prompts,
 * then one pass per step for the sequences still running. A sequence stops at the end-of-sequence
 * token or after its {@code maxNewTokens}; finished sequences leave the batch (and the cache) at
 * once. Tokens are chosen on the Java side from each row's logits with the request's own {@link
 * Sampler}, so a request's output does not depend on its batch mates.
 *
 * <p>Thread-safe: every call works in its own sub-manager of the caller's manager and only reads
 * the network.
 */
public final class BatchGenerator {

    private final TransformerNetwork network;

    public BatchGenerator(TransformerNetwork network) {
        this.network = network;
    }

    /** The network this generator decodes with. */
    public TransformerNetwork network() {
        return network;
    }

    /**
     * Continues every request; one {@link Generation} per request, in order.
     *
     * @throws IllegalArgumentException if a prompt has a token outside the vocabulary or a request
     *     would run past the context length
     */
    public List<Generation> generate(List<GenerationRequest> requests, NDManager parent) {
        List<Sequence> sequences = new ArrayList<>(requests.size());
        for (GenerationRequest request : requests) {
            sequences.add(new Sequence(request, validPrompt(request, network)));
        }
        if (sequences.isEmpty()) {
            return List.of();
        }
        List<Sequence> running = sequences; // one per batch row
        PaddedBatch batch =
                PaddedBatch.of(sequences.stream().mapToInt(s -> s.prompt.length).toArray());
        int[][] prompts = sequences.stream().map(s -> s.prompt).toArray(int[][]::new);
        try (NDManager scope = parent.newSubManager();
                KvCache cache = new KvCache(scope, network.layers())) {
            float[] logits =
                    lastLogits(
                            scope,
                            cache,
                            batch,
                            batch.prefillTokens(prompts),
                            batch.prefillPositions(),
                            batch.prefillBias());
            while (true) {
                int[] keep = new int[running.size()];
                int[] nextTokens = new int[running.size()];
                int kept = 0;
                for (int row = 0; row < running.size(); row++) {
                    int token = running.get(row).next(logits, row, network);
                    if (token >= 0) {
                        keep[kept] = row;
                        nextTokens[kept++] = token;
                    }
                }
                if (kept == 0) {
                    break;
                }
                if (kept < running.size()) {
                    keep = Arrays.copyOf(keep, kept);
                    nextTokens = Arrays.copyOf(nextTokens, kept);
                    cache.keepRows(keep);
                    batch.keepRows(keep);
                    List<Sequence> previous = running;
                    running = Arrays.stream(keep).mapToObj(previous::get).toList();
                }
                batch.appendColumn();
                logits =
                        lastLogits(
                                scope,
                                cache,
                                batch,
                                nextTokens,
                                batch.lastPositions(),
                                batch.lastBias());
            }
        }
        return sequences.stream().map(Sequence::generation).toList();
    }

    /**
     * One forward pass of the batch's newest columns through the cache, in a step scope that frees
     * its temporaries; returns the last position's logits, [rows, vocab].
     */
    private float[] lastLogits(
            NDManager scope,
            KvCache cache,
            PaddedBatch batch,
            int[] tokens,
            int[] positions,
            float[] bias) {
        int rows = batch.rows();
        int queries = tokens.length / rows;
        Shape shape = new Shape(rows, queries);
        try (NDManager step = scope.newSubManager()) {
            return network.forward(
                            step.create(tokens, shape),
                            step.create(positions, shape),
                            step.create(bias, new Shape(rows, 1, queries, batch.columns())),
                            cache,
                            true)
                    .toFloatArray();
        }
    }

    /** One request's progress: its sampler and the tokens produced so far. */
    private static final class Sequence {
        private final GenerationRequest request;
        private final int[] prompt;
        private final Sampler sampler;
        private final int[] tokens;
        private int produced;
        private FinishReason finishReason;

        Sequence(GenerationRequest request, int[] prompt) {
            this.request = request;
            this.prompt = prompt;
            this.sampler = new Sampler(request.sampling());
            this.tokens = new int[request.maxNewTokens()];
        }

        /**
         * Chooses the next token from batch row {@code row} of {@code logits}; returns it if the
         * sequence goes on, or -1 once it has finished.
         */
        int next(float[] logits, int row, TransformerNetwork network) {
            int vocab = network.vocabSize();
            int token = sampler.sample(logits, row * vocab, vocab, prompt.length + produced);
            if (token == network.eosTokenId() && !request.ignoreEos()) {
                finishReason = FinishReason.EOS;
                return -1;
            }
            tokens[produced++] = token;
            if (produced == tokens.length) {
                finishReason = FinishReason.LENGTH;
                return -1;
            }
            return token;
        }

        Generation generation() {
            return new Generation(request.id(), Arrays.copyOf(tokens, produced), finishReason);
        }
    }

    private static int[] validPrompt(GenerationRequest request, TransformerNetwork network) {
        int[] prompt = request.promptTokens();
        long total = (long) prompt.length + request.maxNewTokens();
        if (total > network.contextLength()) {
            throw new IllegalArgumentException(
                    "request "
                            + request.id()
                            + ": prompt of "
                            + prompt.length
                            + " tokens plus "
                            + request.maxNewTokens()
                            + " new tokens exceeds the context length of "
                            + network.contextLength());
        }
        for (int token : prompt) {
            if (token < 0 || token >= network.vocabSize()) {
                throw new IllegalArgumentException(
                        "request "
                                + request.id()
                                + ": token id "
                                + token
                                + " is outside the vocabulary of "
                                + network.vocabSize());
            }
        }
        return prompt;
    }
}
