package dev.condense.models.encoder;

import java.io.Serializable;

/**
 * The architecture recipe of a BERT-layout encoder with a classification head: everything needed to build the
 * model and to check that a set of weights fits it. Small and immutable, so it travels to executors as is.
 */
public record EncoderSpec(
        int vocabSize,
        int maxPositions,
        int typeVocabSize,
        int hidden,
        int layers,
        int heads,
        int ffn,
        double layerNormEps,
        int numLabels) implements Serializable {

    public EncoderSpec {
        requirePositive("vocabSize", vocabSize);
        requirePositive("maxPositions", maxPositions);
        requirePositive("typeVocabSize", typeVocabSize);
        requirePositive("hidden", hidden);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("ffn", ffn);
        requirePositive("numLabels", numLabels);
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("hidden " + hidden + " is not a multiple of heads " + heads);
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
        }
    }

    /** all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads, FFN 1536, BERT uncased vocabulary. */
    public static EncoderSpec miniLmL6(int numLabels) {
        return new EncoderSpec(30522, 512, 2, 384, 6, 12, 1536, 1e-12, numLabels);
    }

    public int headSize() {
        return hidden / heads;
    }

    public EncoderSpec withNumLabels(int labels) {
        return new EncoderSpec(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps,
                labels);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
