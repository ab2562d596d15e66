package dev.condense.models.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * BERT uncased WordPiece, read from a Hugging Face {@code tokenizer.json}; pure Java so that executors need no
 * native tokenizer library. It reproduces the reference ids: normalise, split on whitespace and punctuation,
 * greedy longest-match word pieces, then {@code [CLS] a [SEP] (b [SEP])} with segment ids 0 and 1.
 */
public final class WordPieceTokenizer implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final int MAX_CHARS_PER_WORD = 100;

    private final Map<String, Integer> vocab;
    private final int unkId;
    private final int clsId;
    private final int sepId;

    private WordPieceTokenizer(Map<String, Integer> vocab) {
        this.vocab = vocab;
        this.unkId = requireToken(vocab, "[UNK]");
        this.clsId = requireToken(vocab, "[CLS]");
        this.sepId = requireToken(vocab, "[SEP]");
    }

    /**
     * Reads the vocabulary of a {@code tokenizer.json} whose model is WordPiece behind BERT's lower-casing normalizer:
     * the uncased BERT tokenizer this class implements. Any other (a cased BERT, SentencePiece, BPE) is refused with
     * its type named, rather than tokenized wrongly.
     */
    public static WordPieceTokenizer fromTokenizerJson(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode model = root.path("model");
        if (!"WordPiece".equals(model.path("type").asText())) {
            throw new IOException("tokenizer.json model type is '" + model.path("type").asText()
                    + "'; Condense tokenizes with uncased BERT WordPiece only");
        }
        JsonNode normalizer = root.path("normalizer");
        if (!"BertNormalizer".equals(normalizer.path("type").asText()) || !normalizer.path("lowercase").asBoolean()) {
            throw new IOException("tokenizer.json normalizer is '" + normalizer.path("type").asText()
                    + "' with lowercase=" + normalizer.path("lowercase").asText()
                    + "; Condense tokenizes with uncased BERT WordPiece only (BertNormalizer, lowercase=true)");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return new WordPieceTokenizer(vocab);
    }

    public int vocabSize() {
        return vocab.size();
    }

    /** A single sentence, truncated so that [CLS] and [SEP] still fit in {@code maxLength}. */
    public Encoding encode(String text, int maxLength) {
        return encodePair(text, null, maxLength);
    }

    /**
     * A sentence or a sentence pair ({@code second} may be null). Pairs are truncated longest-first, one piece
     * at a time, as the reference tokenizer does, so both sentences keep a fair share of {@code maxLength}.
     */
    public Encoding encodePair(String first, String second, int maxLength) {
        List<Integer> a = wordPieces(first);
        List<Integer> b = second == null ? List.of() : wordPieces(second);
        int special = second == null ? 2 : 3;
        if (maxLength < special + 1) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for tokens");
        }
        a = new ArrayList<>(a);
        b = new ArrayList<>(b);
        while (a.size() + b.size() + special > maxLength) {
            List<Integer> longer = a.size() >= b.size() ? a : b;
            longer.remove(longer.size() - 1);
        }
        int length = a.size() + b.size() + special;
        int[] ids = new int[length];
        int[] types = new int[length];
        int p = 0;
        ids[p++] = clsId;
        for (int id : a) {
            ids[p++] = id;
        }
        ids[p++] = sepId;
        if (second != null) {
            for (int id : b) {
                types[p] = 1;
                ids[p++] = id;
            }
            types[p] = 1;
            ids[p++] = sepId;
        }
        return new Encoding(ids, types);
    }

    /** The word-piece ids of a text, without special tokens. */
    public List<Integer> wordPieces(String text) {
        List<Integer> out = new ArrayList<>();
        for (String word : preTokenize(BertNormalizer.normalize(text))) {
            splitWord(word, out);
        }
        return out;
    }

    private static List<String> preTokenize(String normalized) {
        List<String> words = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        normalized.codePoints().forEach(cp -> {
            if (BertNormalizer.isWhitespace(cp)) {
                flush(current, words);
            } else if (BertNormalizer.isPunctuation(cp)) {
                flush(current, words);
                words.add(new String(Character.toChars(cp)));
            } else {
                current.appendCodePoint(cp);
            }
        });
        flush(current, words);
        return words;
    }

    private static void flush(StringBuilder current, List<String> words) {
        if (current.length() > 0) {
            words.add(current.toString());
            current.setLength(0);
        }
    }

    private void splitWord(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > MAX_CHARS_PER_WORD) {
            out.add(unkId);
            return;
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String piece = word.substring(start, end);
                found = vocab.get(start > 0 ? "##" + piece : piece);
                if (found != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.add(unkId);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    private static int requireToken(Map<String, Integer> vocab, String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("vocabulary has no " + token + " token");
        }
        return id;
    }
}
