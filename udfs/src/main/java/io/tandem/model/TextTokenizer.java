package io.tandem.model;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} loaded from a local file (nothing is downloaded): text to
 * token ids and back, with no special tokens added on encode. Special tokens that appear literally
 * in the text (such as {@code <|endoftext|>}) are recognised on encode and rendered on decode.
 *
 * <p>Thread-safe: the native tokenizer is immutable after loading. Close it to free native memory.
 */
public final class TextTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final int vocabSize;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int vocabSize) {
        this.tokenizer = tokenizer;
        this.vocabSize = vocabSize;
    }

    /** Loads {@code tokenizerJson}; the caller closes the result. */
    public static TextTokenizer load(Path tokenizerJson) throws ModelException {
        int vocabSize = vocabSize(tokenizerJson);
        try {
            HuggingFaceTokenizer tokenizer =
                    HuggingFaceTokenizer.builder()
                            .optTokenizerPath(tokenizerJson)
                            .optAddSpecialTokens(false)
                            .optTruncation(false)
                            .optPadding(false)
                            .build();
            return new TextTokenizer(tokenizer, vocabSize);
        } catch (IOException | RuntimeException e) {
            throw new ModelException(
                    tokenizerJson + ": cannot load tokenizer: " + e.getMessage(), e);
        }
    }

    /** Token ids of {@code text}. */
    public int[] encode(String text) {
        long[] ids = tokenizer.encode(text).getIds();
        int[] tokens = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            tokens[i] = Math.toIntExact(ids[i]);
        }
        return tokens;
    }

    /** Text of {@code tokens}; byte sequences that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] tokens) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            ids[i] = tokens[i];
        }
        return tokenizer.decode(ids, false);
    }

    /** One more than the largest token id, counting added tokens. */
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    /** The native tokenizer does not report its size, so read it from the file. */
    private static int vocabSize(Path tokenizerJson) throws ModelException {
        try {
            JsonObject root =
                    JsonParser.parseString(Files.readString(tokenizerJson)).getAsJsonObject();
            int maxId = -1;
            JsonObject model = root.getAsJsonObject("model");
            if (model != null && model.get("vocab") != null && model.get("vocab").isJsonObject()) {
                for (Map.Entry<String, JsonElement> entry :
                        model.getAsJsonObject("vocab").entrySet()) {
                    maxId = Math.max(maxId, entry.getValue().getAsInt());
                }
            }
            if (root.get("added_tokens") != null && root.get("added_tokens").isJsonArray()) {
                for (JsonElement token : root.getAsJsonArray("added_tokens")) {
                    maxId = Math.max(maxId, token.getAsJsonObject().get("id").getAsInt());
                }
            }
            if (maxId < 0) {
                throw new ModelException(tokenizerJson + ": no vocabulary (model.vocab) found");
            }
            return maxId + 1;
        } catch (IOException e) {
            throw new ModelException(
                    tokenizerJson + ": cannot read tokenizer: " + e.getMessage(), e);
        } catch (JsonParseException
                | IllegalStateException
                | UnsupportedOperationException
                | NumberFormatException e) {
            throw new ModelException(
                    tokenizerJson + ": malformed tokenizer.json: " + e.getMessage(), e);
        }
    }
}
