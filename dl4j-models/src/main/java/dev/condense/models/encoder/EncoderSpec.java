package dev.condense.models.encoder;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The architecture recipe of a BERT-layout encoder with a classification head: everything needed to build the
 * model and to check that a set of weights fits it. Small and immutable, so it travels to executors as is.
 *
 * <p>A pretrained or pruned-but-not-shrunk model is <em>uniform</em>: every layer has {@code heads} heads of
 * {@code headSize} and {@code ffn} neurons, and every matrix is dense. Compression departs from that in two ways,
 * and the spec records both so that a saved model describes its own shapes: {@code layerShapes} gives each layer the
 * heads and neurons it kept (possibly none), and {@code ranks} names the matrices stored as two factors U·V of the
 * given inner rank (keyed by the dense weight's name, such as {@code layer.0.ffn.in.weight}). {@code hidden} is the
 * width of the residual stream as stored; {@code heads} and {@code ffn} stay the widths of the uniform layout the
 * model came from, which bound every layer's.
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
        int numLabels,
        int headSize,
        List<LayerShape> layerShapes,
        Map<String, Integer> ranks) implements Serializable {

    /** The heads and feed-forward neurons one layer keeps. */
    public record LayerShape(int heads, int ffn) implements Serializable {
        public LayerShape {
            if (heads < 0 || ffn < 0) {
                throw new IllegalArgumentException("a layer cannot keep a negative number of heads (" + heads
                        + ") or neurons (" + ffn + ")");
            }
        }
    }

    public EncoderSpec {
        requirePositive("vocabSize", vocabSize);
        requirePositive("maxPositions", maxPositions);
        requirePositive("typeVocabSize", typeVocabSize);
        requirePositive("hidden", hidden);
        requirePositive("layers", layers);
        requirePositive("heads", heads);
        requirePositive("ffn", ffn);
        requirePositive("numLabels", numLabels);
        requirePositive("headSize", headSize);
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
        }
        layerShapes = List.copyOf(layerShapes);
        if (layerShapes.size() != layers) {
            throw new IllegalArgumentException(layerShapes.size() + " layer shapes for " + layers + " layers");
        }
        for (int l = 0; l < layers; l++) {
            LayerShape s = layerShapes.get(l);
            if (s.heads() > heads || s.ffn() > ffn) {
                throw new IllegalArgumentException("layer " + l + " has " + s.heads() + " heads and " + s.ffn()
                        + " neurons, more than the layout's " + heads + " and " + ffn);
            }
        }
        ranks = Collections.unmodifiableMap(new TreeMap<>(ranks));
        requireFactorisable(ranks, ParameterNames.encoderMatrices(hidden, headSize, layerShapes));
    }

    /** A uniform layout: {@code hidden} split into {@code heads} equal heads, every matrix dense. */
    public EncoderSpec(int vocabSize, int maxPositions, int typeVocabSize, int hidden, int layers, int heads, int ffn,
                       double layerNormEps, int numLabels) {
        this(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps, numLabels,
                evenHeadSize(hidden, heads), uniformShapes(layers, heads, ffn), Map.of());
    }

    /** all-MiniLM-L6-v2: 6 layers, hidden 384, 12 heads, FFN 1536, BERT uncased vocabulary. */
    public static EncoderSpec miniLmL6(int numLabels) {
        return new EncoderSpec(30522, 512, 2, 384, 6, 12, 1536, 1e-12, numLabels);
    }

    public EncoderSpec withNumLabels(int labels) {
        return new EncoderSpec(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps,
                labels, headSize, layerShapes, ranks);
    }

    /** The same layout with a narrower residual stream, other layer widths, and other factorised matrices. */
    public EncoderSpec withGeometry(int newHidden, List<LayerShape> shapes, Map<String, Integer> newRanks) {
        return new EncoderSpec(vocabSize, maxPositions, typeVocabSize, newHidden, layers, heads, ffn, layerNormEps,
                numLabels, headSize, shapes, newRanks);
    }

    public LayerShape layer(int index) {
        return layerShapes.get(index);
    }

    /** The width of layer {@code index}'s query, key and value projections: its heads times the head size. */
    public int attentionWidth(int index) {
        return layerShapes.get(index).heads() * headSize;
    }

    /** The inner rank of a factorised matrix, or 0 for a dense one. */
    public int rank(String weight) {
        return ranks.getOrDefault(weight, 0);
    }

    /** Whether this is the layout pruning works on: full-width layers, equal heads that fill hidden, no factors. */
    public boolean isUniform() {
        return ranks.isEmpty() && heads * headSize == hidden
                && layerShapes.stream().allMatch(s -> s.heads() == heads && s.ffn() == ffn);
    }

    private static void requireFactorisable(Map<String, Integer> ranks, List<ParameterNames.Shaped> matrices) {
        Map<String, Long> fullRank = new TreeMap<>();
        matrices.forEach(m -> fullRank.put(m.name(), Math.min(m.shape()[0], m.shape()[1])));
        ranks.forEach((name, rank) -> {
            Long full = fullRank.get(name);
            if (full == null) {
                throw new IllegalArgumentException("'" + name + "' is not an encoder matrix of this model, so it "
                        + "cannot be factorised");
            }
            if (rank <= 0 || rank > full) {
                throw new IllegalArgumentException("rank " + rank + " of '" + name + "' is outside 1.." + full);
            }
        });
    }

    private static int evenHeadSize(int hidden, int heads) {
        if (heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("hidden " + hidden + " is not a multiple of heads " + heads);
        }
        return hidden / heads;
    }

    private static List<LayerShape> uniformShapes(int layers, int heads, int ffn) {
        List<LayerShape> out = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            out.add(new LayerShape(heads, ffn));
        }
        return out;
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + value);
        }
    }
}
