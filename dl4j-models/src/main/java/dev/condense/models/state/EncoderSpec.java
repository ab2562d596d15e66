package dev.condense.models.state;

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
 *
 * <p>A factorised matrix may also keep a <em>sparse residual</em> S (LoSparse: W = U·V + S, with S pruned by input
 * rows): {@code residualRows} lists, for each such matrix, the input rows S still has, in increasing order. S is
 * stored under the dense weight's own name with one row per listed input, so a residual whose rows were cut out
 * stays a small dense matrix. Before shrinking every row is listed.
 *
 * <p>A <em>speech</em> model ({@code speech} non-null) replaces the word and segment embeddings by an acoustic
 * front end, {@link Speech}; its layers are the same, so pruning, distillation, factorisation and shrinking
 * treat it exactly as a text model. {@code vocabSize} and {@code typeVocabSize} are then unused (1).
 *
 * <p>{@code pooling} says which summary of the last layer the classifier reads ({@link Pooling}; null means mean).
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
        Map<String, Integer> ranks,
        Map<String, List<Integer>> residualRows,
        Speech speech,
        Pooling pooling) implements Serializable {

    /**
     * A speech model's front end and head. Log-mel frames of {@code features} bins pass two stride-2 convolutions
     * over time (kernel 3, GELU after each) to {@code channels} and then {@code hidden} channels, one position per
     * four frames; learned position embeddings and a LayerNorm follow, as in the text model. With {@code ctc} the
     * classifier is applied at every position (the logits of CTC over {@code numLabels} symbols, blank first);
     * otherwise to the mean over positions, as for text.
     */
    public record Speech(int features, int channels, boolean ctc) implements Serializable {
        public Speech {
            requirePositive("speech features", features);
            requirePositive("speech channels", channels);
        }
    }

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
        List<ParameterNames.Shaped> matrices = ParameterNames.encoderMatrices(hidden, headSize, layerShapes);
        requireFactorisable(ranks, matrices);
        Map<String, List<Integer>> rows = new TreeMap<>();
        residualRows.forEach((name, kept) -> rows.put(name, List.copyOf(kept)));
        residualRows = Collections.unmodifiableMap(rows);
        requireResidualRows(residualRows, ranks, matrices);
        pooling = pooling == null ? Pooling.MEAN : pooling;
        if (speech != null && pooling != Pooling.MEAN) {
            throw new IllegalArgumentException("a speech model pools by the mean over its positions, not " + pooling);
        }
    }

    /** With mean pooling. */
    public EncoderSpec(int vocabSize, int maxPositions, int typeVocabSize, int hidden, int layers, int heads, int ffn,
                       double layerNormEps, int numLabels, int headSize, List<LayerShape> layerShapes,
                       Map<String, Integer> ranks, Map<String, List<Integer>> residualRows, Speech speech) {
        this(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps, numLabels, headSize,
                layerShapes, ranks, residualRows, speech, Pooling.MEAN);
    }

    /** A text model. */
    public EncoderSpec(int vocabSize, int maxPositions, int typeVocabSize, int hidden, int layers, int heads, int ffn,
                       double layerNormEps, int numLabels, int headSize, List<LayerShape> layerShapes,
                       Map<String, Integer> ranks, Map<String, List<Integer>> residualRows) {
        this(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps, numLabels, headSize,
                layerShapes, ranks, residualRows, null);
    }

    /** Without sparse residuals. */
    public EncoderSpec(int vocabSize, int maxPositions, int typeVocabSize, int hidden, int layers, int heads, int ffn,
                       double layerNormEps, int numLabels, int headSize, List<LayerShape> layerShapes,
                       Map<String, Integer> ranks) {
        this(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps, numLabels, headSize,
                layerShapes, ranks, Map.of());
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

    /** A uniform speech model of {@code hidden} split into {@code heads} equal heads. */
    public static EncoderSpec speech(Speech speech, int maxPositions, int hidden, int layers, int heads, int ffn,
                                     int numLabels) {
        return new EncoderSpec(1, maxPositions, 1, hidden, layers, heads, ffn, 1e-5, numLabels,
                evenHeadSize(hidden, heads), uniformShapes(layers, heads, ffn), Map.of(), Map.of(), speech);
    }

    public boolean isSpeech() {
        return speech != null;
    }

    public EncoderSpec withNumLabels(int labels) {
        return new EncoderSpec(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps,
                labels, headSize, layerShapes, ranks, residualRows, speech, pooling);
    }

    public EncoderSpec withPooling(Pooling newPooling) {
        return new EncoderSpec(vocabSize, maxPositions, typeVocabSize, hidden, layers, heads, ffn, layerNormEps,
                numLabels, headSize, layerShapes, ranks, residualRows, speech, newPooling);
    }

    /**
     * The same layout with a narrower residual stream, other layer widths, and other factorised matrices, none of
     * them with a sparse residual.
     */
    public EncoderSpec withGeometry(int newHidden, List<LayerShape> shapes, Map<String, Integer> newRanks) {
        return withGeometry(newHidden, shapes, newRanks, Map.of());
    }

    /** As {@link #withGeometry(int, List, Map)}, with the given sparse residuals' rows. */
    public EncoderSpec withGeometry(int newHidden, List<LayerShape> shapes, Map<String, Integer> newRanks,
                                    Map<String, List<Integer>> newResidualRows) {
        return new EncoderSpec(vocabSize, maxPositions, typeVocabSize, newHidden, layers, heads, ffn, layerNormEps,
                numLabels, headSize, shapes, newRanks, newResidualRows, speech, pooling);
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

    /** The input rows a factorised matrix's sparse residual keeps, or null when it has none. */
    public List<Integer> residualRows(String weight) {
        return residualRows.get(weight);
    }

    /** Whether this is the uniform layout: full-width layers, equal heads that fill hidden, every matrix dense. */
    public boolean isUniform() {
        return ranks.isEmpty() && hasFullLayers();
    }

    /**
     * Whether every encoder matrix still has all its in·out values under its own name: dense, or factorised with
     * a residual that keeps every row (a LoSparse model before its residuals are pruned). Such a model can be
     * pruned: the pruning groups then select the dense matrices and the residuals.
     */
    public boolean isPrunable() {
        return hasFullLayers() && ranks.keySet().stream().allMatch(this::residualKeepsEveryRow);
    }

    /** Whether a matrix has a sparse residual with all of its input rows (so its input needs no gather). */
    public boolean residualKeepsEveryRow(String weight) {
        List<Integer> rows = residualRows.get(weight);
        return rows != null && rows.size() == inputWidth(weight);
    }

    private boolean hasFullLayers() {
        return heads * headSize == hidden && layerShapes.stream().allMatch(s -> s.heads() == heads && s.ffn() == ffn);
    }

    private long inputWidth(String weight) {
        return ParameterNames.encoderMatrices(this).stream().filter(m -> m.name().equals(weight)).findFirst()
                .orElseThrow().shape()[0];
    }

    private static void requireResidualRows(Map<String, List<Integer>> residualRows, Map<String, Integer> ranks,
                                            List<ParameterNames.Shaped> matrices) {
        residualRows.forEach((name, rows) -> {
            if (!ranks.containsKey(name)) {
                throw new IllegalArgumentException("'" + name + "' has a sparse residual but is not factorised");
            }
            long in = matrices.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow().shape()[0];
            if (rows.isEmpty()) {
                throw new IllegalArgumentException("the sparse residual of '" + name + "' keeps no rows");
            }
            for (int i = 0; i < rows.size(); i++) {
                int row = rows.get(i);
                if (row < 0 || row >= in || (i > 0 && row <= rows.get(i - 1))) {
                    throw new IllegalArgumentException("the sparse residual rows of '" + name + "' must increase "
                            + "within 0.." + (in - 1) + "; entry " + i + " is " + row);
                }
            }
        });
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
