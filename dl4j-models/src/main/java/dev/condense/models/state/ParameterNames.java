package dev.condense.models.state;

import java.util.ArrayList;
import java.util.List;

/**
 * The one naming scheme for an encoder's weights. Pruning selections, checkpoints, averaging and the ONNX import
 * all speak these names, so a weight is identified the same way everywhere. Matrices are stored [in, out].
 */
public final class ParameterNames {

    public static final String WORD_EMBEDDINGS = "embeddings.word";
    public static final String POSITION_EMBEDDINGS = "embeddings.position";
    public static final String TYPE_EMBEDDINGS = "embeddings.type";
    public static final String EMBEDDING_NORM_GAMMA = "embeddings.norm.gamma";
    public static final String EMBEDDING_NORM_BETA = "embeddings.norm.beta";
    /** A speech model's first convolution, [3·features, channels], and its bias. */
    public static final String CONV1_WEIGHT = "frontend.conv1.weight";
    public static final String CONV1_BIAS = "frontend.conv1.bias";
    /** A speech model's second convolution, [3·channels, hidden], and its bias. */
    public static final String CONV2_WEIGHT = "frontend.conv2.weight";
    public static final String CONV2_BIAS = "frontend.conv2.bias";
    public static final String CLASSIFIER_WEIGHT = "classifier.weight";
    public static final String CLASSIFIER_BIAS = "classifier.bias";

    /**
     * Not a weight: the 0/1 vector of kept hidden dimensions, stored with a model whose hidden dimensions were
     * pruned (and not yet physically removed) so that its LayerNorms normalise over the kept dimensions only.
     */
    public static final String HIDDEN_KEEP = "structure.hidden-keep";

    /**
     * The prefix of trainable extras that are Lagrange multipliers: exempt from weight decay, and trained at a
     * constant rate of their own (see {@code OptimizerSettings#multiplierLearningRate}).
     */
    public static final String MULTIPLIER_PREFIX = "multipliers.";

    private ParameterNames() {
    }

    public static String query(int layer, String part) {
        return layer(layer) + "attention.query." + part;
    }

    public static String key(int layer, String part) {
        return layer(layer) + "attention.key." + part;
    }

    public static String value(int layer, String part) {
        return layer(layer) + "attention.value." + part;
    }

    public static String attentionOutput(int layer, String part) {
        return layer(layer) + "attention.output." + part;
    }

    public static String attentionNorm(int layer, String part) {
        return layer(layer) + "attention.norm." + part;
    }

    public static String ffnIn(int layer, String part) {
        return layer(layer) + "ffn.in." + part;
    }

    public static String ffnOut(int layer, String part) {
        return layer(layer) + "ffn.out." + part;
    }

    public static String ffnNorm(int layer, String part) {
        return layer(layer) + "ffn.norm." + part;
    }

    private static String layer(int layer) {
        return "layer." + layer + ".";
    }

    /**
     * Every weight of the spec, in a fixed order (embeddings or the speech front end, layers, classifier) with its
     * shape. A layer that kept
     * no heads has no query, key, value or attention-output matrix and no query, key or value bias (its attention
     * block adds only the output bias); one that kept no neurons likewise keeps only its FFN-out bias. A factorised
     * matrix appears as its two factors (see {@link #factorU}), followed by its sparse residual, if any, under the
     * dense name with one row per kept input row (see {@link EncoderSpec#residualRows}).
     */
    public static List<Shaped> all(EncoderSpec s) {
        List<Shaped> out = new ArrayList<>();
        int h = s.hidden();
        if (s.isSpeech()) {
            int c = s.speech().channels();
            out.add(new Shaped(CONV1_WEIGHT, 3L * s.speech().features(), c));
            out.add(new Shaped(CONV1_BIAS, c));
            out.add(new Shaped(CONV2_WEIGHT, 3L * c, h));
            out.add(new Shaped(CONV2_BIAS, h));
            out.add(new Shaped(POSITION_EMBEDDINGS, s.maxPositions(), h));
        } else {
            out.add(new Shaped(WORD_EMBEDDINGS, s.vocabSize(), h));
            out.add(new Shaped(POSITION_EMBEDDINGS, s.maxPositions(), h));
            out.add(new Shaped(TYPE_EMBEDDINGS, s.typeVocabSize(), h));
        }
        out.add(new Shaped(EMBEDDING_NORM_GAMMA, h));
        out.add(new Shaped(EMBEDDING_NORM_BETA, h));
        for (int l = 0; l < s.layers(); l++) {
            int a = s.attentionWidth(l);
            if (a > 0) {
                for (String m : new String[] {query(l, ""), key(l, ""), value(l, "")}) {
                    matrix(out, s, m + "weight", h, a);
                    out.add(new Shaped(m + "bias", a));
                }
                matrix(out, s, attentionOutput(l, "weight"), a, h);
            }
            out.add(new Shaped(attentionOutput(l, "bias"), h));
            out.add(new Shaped(attentionNorm(l, "gamma"), h));
            out.add(new Shaped(attentionNorm(l, "beta"), h));
            int f = s.layer(l).ffn();
            if (f > 0) {
                matrix(out, s, ffnIn(l, "weight"), h, f);
                out.add(new Shaped(ffnIn(l, "bias"), f));
                matrix(out, s, ffnOut(l, "weight"), f, h);
            }
            out.add(new Shaped(ffnOut(l, "bias"), h));
            out.add(new Shaped(ffnNorm(l, "gamma"), h));
            out.add(new Shaped(ffnNorm(l, "beta"), h));
        }
        out.add(new Shaped(CLASSIFIER_WEIGHT, h, s.numLabels()));
        out.add(new Shaped(CLASSIFIER_BIAS, s.numLabels()));
        return out;
    }

    /**
     * The dense names of the encoder's projection matrices that the spec's layer shapes keep, each with its [in,
     * out] shape whether it is stored dense or factorised: what factorisation may replace and what the "encoder
     * matrix parameters" of a report count.
     */
    public static List<Shaped> encoderMatrices(EncoderSpec s) {
        return encoderMatrices(s.hidden(), s.headSize(), s.layerShapes());
    }

    static List<Shaped> encoderMatrices(int h, int headSize, List<EncoderSpec.LayerShape> layers) {
        List<Shaped> out = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            int a = layers.get(l).heads() * headSize;
            if (a > 0) {
                out.add(new Shaped(query(l, "weight"), h, a));
                out.add(new Shaped(key(l, "weight"), h, a));
                out.add(new Shaped(value(l, "weight"), h, a));
                out.add(new Shaped(attentionOutput(l, "weight"), a, h));
            }
            int f = layers.get(l).ffn();
            if (f > 0) {
                out.add(new Shaped(ffnIn(l, "weight"), h, f));
                out.add(new Shaped(ffnOut(l, "weight"), f, h));
            }
        }
        return out;
    }

    /**
     * The first factor [in, rank] of a matrix stored as U·V, named after the dense weight it replaces:
     * {@code layer.0.ffn.in.weight} becomes {@code layer.0.ffn.in.weight.u} and {@code layer.0.ffn.in.weight.v}.
     */
    public static String factorU(String weight) {
        return weight + ".u";
    }

    /** The second factor [rank, out] of a matrix stored as U·V (see {@link #factorU}). */
    public static String factorV(String weight) {
        return weight + ".v";
    }

    /**
     * The key of a factorised matrix's gate vector z [rank] (one gate per singular direction, W = U·diag(z)·V while
     * its rank is learned), and of that vector's gradient.
     */
    public static String gate(String weight) {
        return weight + ".gate";
    }

    private static void matrix(List<Shaped> out, EncoderSpec s, String weight, int in, int outWidth) {
        int rank = s.rank(weight);
        if (rank == 0) {
            out.add(new Shaped(weight, in, outWidth));
        } else {
            out.add(new Shaped(factorU(weight), in, rank));
            out.add(new Shaped(factorV(weight), rank, outWidth));
            List<Integer> residualRows = s.residualRows(weight);
            if (residualRows != null) {
                out.add(new Shaped(weight, residualRows.size(), outWidth));
            }
        }
    }

    /**
     * Biases, LayerNorm scales and shifts are conventionally exempt from weight decay, and so are trainable extras
     * that are not model weights (the distillation layer map, learned pruning scores, Lagrange multipliers).
     */
    public static boolean isDecayExempt(String name) {
        return name.endsWith(".bias") || name.endsWith(".gamma") || name.endsWith(".beta")
                || name.startsWith("distill.") || name.startsWith("scores.") || name.startsWith(MULTIPLIER_PREFIX);
    }

    /** A weight's name with its shape. */
    public record Shaped(String name, long... shape) {
    }
}
