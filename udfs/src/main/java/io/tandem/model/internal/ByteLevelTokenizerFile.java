package io.tandem.model.internal;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

/**
 * Generates the {@code tokenizer.json} of our byte-level vocabulary: token id = UTF-8 byte value
 * (0..255), plus {@value #EOS_TOKEN} as id {@value #EOS_ID}. It is a Hugging Face BPE model with no
 * merges whose 256 symbols are GPT-2's {@code bytes_to_unicode} characters, with ByteLevel
 * pre-tokenizer and decoder ({@code use_regex: false}), so any UTF-8 text round-trips and the
 * corpus can be tokenised without the tokenizer (ids are just the bytes).
 */
public final class ByteLevelTokenizerFile {

    public static final String EOS_TOKEN = "<|endoftext|>";
    public static final int EOS_ID = 256;
    public static final int VOCAB_SIZE = 257;

    private ByteLevelTokenizerFile() {}

    /** The tokenizer file's content (pretty-printed JSON). */
    public static String json() {
        JsonObject eos = new JsonObject();
        eos.addProperty("id", EOS_ID);
        eos.addProperty("content", EOS_TOKEN);
        eos.addProperty("single_word", false);
        eos.addProperty("lstrip", false);
        eos.addProperty("rstrip", false);
        eos.addProperty("normalized", false);
        eos.addProperty("special", true);
        JsonArray addedTokens = new JsonArray();
        addedTokens.add(eos);

        JsonObject vocab = new JsonObject();
        String[] symbols = byteSymbols();
        for (int b = 0; b < symbols.length; b++) {
            vocab.addProperty(symbols[b], b);
        }
        vocab.addProperty(EOS_TOKEN, EOS_ID);
        JsonObject model = new JsonObject();
        model.addProperty("type", "BPE");
        model.add("dropout", JsonNull.INSTANCE);
        model.add("unk_token", JsonNull.INSTANCE);
        model.add("continuing_subword_prefix", JsonNull.INSTANCE);
        model.add("end_of_word_suffix", JsonNull.INSTANCE);
        model.addProperty("fuse_unk", false);
        model.addProperty("byte_fallback", false);
        model.addProperty("ignore_merges", false);
        model.add("vocab", vocab);
        model.add("merges", new JsonArray());

        JsonObject root = new JsonObject();
        root.addProperty("version", "1.0");
        root.add("truncation", JsonNull.INSTANCE);
        root.add("padding", JsonNull.INSTANCE);
        root.add("added_tokens", addedTokens);
        root.add("normalizer", JsonNull.INSTANCE);
        root.add("pre_tokenizer", byteLevel());
        root.add("post_processor", JsonNull.INSTANCE);
        root.add("decoder", byteLevel());
        root.add("model", model);
        return new GsonBuilder()
                        .setPrettyPrinting()
                        .serializeNulls()
                        .disableHtmlEscaping()
                        .create()
                        .toJson(root)
                + "\n";
    }

    private static JsonObject byteLevel() {
        JsonObject byteLevel = new JsonObject();
        byteLevel.addProperty("type", "ByteLevel");
        byteLevel.addProperty("add_prefix_space", false);
        byteLevel.addProperty("trim_offsets", true);
        byteLevel.addProperty("use_regex", false);
        return byteLevel;
    }

    /**
     * GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the other 68
     * bytes are mapped in order to U+0100 onwards, so every byte is a visible character.
     */
    static String[] byteSymbols() {
        String[] symbols = new String[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable =
                    (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            symbols[b] = String.valueOf((char) (printable ? b : next++));
        }
        return symbols;
    }
}
