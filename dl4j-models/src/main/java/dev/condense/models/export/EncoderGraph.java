package dev.condense.models.export;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Pooling;
import dev.condense.models.state.Tensor;
import onnx.Onnx;

import static dev.condense.models.export.OnnxGraph.Attribute.ofInt;
import static dev.condense.models.export.OnnxGraph.Attribute.ofInts;
import static dev.condense.models.export.OnnxGraph.in;

/**
 * The whole model as one ONNX graph with dynamic batch and sequence axes: the input layer (word, segment and
 * position embeddings for text; the two stride-2 convolutions for speech), the encoder layers, pooling (the mean
 * over real positions, or the [CLS] position) and the classifier. Padding is handled inside the graph exactly as the engine handles it, so an
 * example's outputs do not depend on what it is batched with.
 *
 * <p>Inputs and outputs (the names a server uses): text takes {@value #INPUT_IDS}, {@value #ATTENTION_MASK} and
 * {@value #TOKEN_TYPE_IDS}, int64 [batch, sequence]; speech takes {@value #FEATURES}, float [batch, frames,
 * features] with frames a multiple of 4 (zeros after each clip), and {@value #FRAME_COUNTS}, int64 [batch], each
 * clip's real frames. Outputs are {@value #LOGITS} ([batch, labels], or [batch, sequence, labels] for CTC),
 * {@value #EMBEDDING} (the pooled [batch, hidden]) and {@value #LAST_HIDDEN_STATE}.
 */
final class EncoderGraph {

    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";
    static final String FEATURES = "features";
    static final String FRAME_COUNTS = "frame_counts";
    static final String LOGITS = "logits";
    static final String EMBEDDING = "embedding";
    static final String LAST_HIDDEN_STATE = "last_hidden_state";

    private static final int INT64 = Onnx.TensorProto.DataType.INT64_VALUE;
    private static final int FLOAT = Onnx.TensorProto.DataType.FLOAT_VALUE;
    /** The engine's additive bias on padded keys: exp of it underflows to exactly 0. */
    private static final float PAD_BIAS = -1e9f;

    private final GraphOps ops;
    private final OnnxGraph g;
    private final EncoderSpec spec;

    EncoderGraph(GraphOps ops) {
        this.ops = ops;
        this.g = ops.g;
        this.spec = ops.spec;
    }

    /** The embedded input before its position embeddings, [batch, sequence, hidden], and the 0/1 mask [batch, sequence]. */
    private record Embedded(String rows, String mask, String sequenceLength) {
    }

    void build() {
        Embedded input = spec.isSpeech() ? speechInput() : textInput();
        String positions = g.node("Slice", "positions", in(ops.weight(ParameterNames.POSITION_EMBEDDINGS),
                g.vector("zero", 0L), input.sequenceLength(), g.vector("axis0", 0L)));
        String x = ops.layerNorm(ops.add(input.rows(), positions), ParameterNames.EMBEDDING_NORM_GAMMA,
                ParameterNames.EMBEDDING_NORM_BETA);
        String keyBias = g.node("Unsqueeze", "key_bias", in(ops.mul(g.node("Sub", "padding",
                in(g.scalar("one", 1f), input.mask())), g.scalar("pad_bias", PAD_BIAS)), g.vector("axes", 1L, 2L)));
        LayerGraph layers = new LayerGraph(ops);
        for (int l = 0; l < spec.layers(); l++) {
            x = layers.forward(l, x, keyBias);
        }
        String pooled = spec.pooling() == Pooling.CLS ? firstPosition(x) : meanPool(x, input.mask());
        boolean ctc = spec.isSpeech() && spec.speech().ctc();
        g.expose(ops.classify(ctc ? x : pooled), LOGITS);
        g.expose(pooled, EMBEDDING);
        g.expose(x, LAST_HIDDEN_STATE);
        if (ctc) {
            g.output(LOGITS, FLOAT, "batch", "sequence", (long) spec.numLabels());
        } else {
            g.output(LOGITS, FLOAT, "batch", (long) spec.numLabels());
        }
        g.output(EMBEDDING, FLOAT, "batch", (long) spec.hidden());
        g.output(LAST_HIDDEN_STATE, FLOAT, "batch", "sequence", (long) spec.hidden());
    }

    private Embedded textInput() {
        g.input(INPUT_IDS, INT64, "batch", "sequence");
        g.input(ATTENTION_MASK, INT64, "batch", "sequence");
        g.input(TOKEN_TYPE_IDS, INT64, "batch", "sequence");
        String words = g.node("Gather", "words", in(ops.weight(ParameterNames.WORD_EMBEDDINGS), INPUT_IDS));
        String types = g.node("Gather", "types", in(ops.weight(ParameterNames.TYPE_EMBEDDINGS), TOKEN_TYPE_IDS));
        String mask = g.node("Cast", "mask", in(ATTENTION_MASK), ofInt("to", FLOAT));
        String length = g.node("Shape", "sequence_length", in(INPUT_IDS), ofInt("start", 1L), ofInt("end", 2L));
        return new Embedded(ops.add(words, types), mask, length);
    }

    /**
     * Two stride-2 convolutions over time, each followed by GELU; the first one's outputs past a clip's own
     * ⌈frames/2⌉ are zeroed before the second reads them, and the mask keeps a clip's ⌈⌈frames/2⌉/2⌉ positions,
     * as in the engine's {@code ConvSubsampling}.
     */
    private Embedded speechInput() {
        g.input(FEATURES, FLOAT, "batch", "frames", (long) spec.speech().features());
        g.input(FRAME_COUNTS, INT64, "batch");
        String frames = g.node("Shape", "frames", in(FEATURES), ofInt("start", 1L), ofInt("end", 2L));
        String two = g.vector("two", 2L);
        String half = g.node("Div", "half_frames", in(frames, two));
        String quarter = g.node("Div", "quarter_frames", in(half, two));
        String valid1 = ceilHalf(FRAME_COUNTS);
        String valid2 = ceilHalf(valid1);

        String channelsFirst = g.node("Transpose", "features_t", in(FEATURES), ofInts("perm", 0, 2, 1));
        String act1 = ops.gelu(convolve(channelsFirst, ParameterNames.CONV1_WEIGHT, ParameterNames.CONV1_BIAS));
        String act1Masked = ops.mul(act1, g.node("Unsqueeze", "conv_mask", in(positionMask(half, valid1),
                g.vector("axis1", 1L))));
        String act2 = ops.gelu(convolve(act1Masked, ParameterNames.CONV2_WEIGHT, ParameterNames.CONV2_BIAS));
        String rows = g.node("Transpose", "subsampled", in(act2), ofInts("perm", 0, 2, 1));
        return new Embedded(rows, positionMask(quarter, valid2), quarter);
    }

    /** ⌈n/2⌉ of an int64 tensor of non-negative counts. */
    private String ceilHalf(String n) {
        return g.node("Div", "ceil_half", in(ops.add(n, g.vector("one_i", 1L)), g.vector("two_i", 2L)));
    }

    /** [batch, length] float: 1 where position t is below that row's count. */
    private String positionMask(String length, String counts) {
        String last = g.node("Squeeze", "length", in(length, g.vector("axis0", 0L)));
        String range = g.node("Range", "range", in(g.longs(g.fresh("start"), new long[] {0}), last,
                g.longs(g.fresh("step"), new long[] {1})));
        String below = g.node("Less", "below", in(g.node("Unsqueeze", "range_row", in(range, g.vector("a0", 0L))),
                g.node("Unsqueeze", "counts_column", in(counts, g.vector("a1", 1L)))));
        return g.node("Cast", "position_mask", in(below), ofInt("to", FLOAT));
    }

    /**
     * A kernel-3, stride-2, pad-1 convolution over [batch, channels, time]. The engine stores the weight
     * [3·in, out], tap-major; ONNX wants [out, in, 3].
     */
    private String convolve(String x, String weightName, String biasName) {
        Tensor w = ops.tensor(weightName);
        int in = (int) (w.shape()[0] / 3);
        int out = (int) w.shape()[1];
        float[] onnx = new float[out * in * 3];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int k = 0; k < 3; k++) {
                    onnx[(o * in + i) * 3 + k] = w.data()[(k * in + i) * out + o];
                }
            }
        }
        String weight = g.floats(weightName, onnx, out, in, 3);
        return g.node("Conv", "conv", in(x, weight, ops.weight(biasName)), ofInts("kernel_shape", 3),
                ofInts("strides", 2), ofInts("pads", 1, 1));
    }

    /** x[:, 0, :]: the [CLS] position of every row. */
    private String firstPosition(String x) {
        return g.node("Gather", "cls", in(x, g.longs(g.fresh("first"), new long[] {0})), ofInt("axis", 1L));
    }

    /** Σ_t mask·x / max(1, Σ_t mask): the engine's mean over real positions. */
    private String meanPool(String x, String mask) {
        String axis1 = g.vector("axis1", 1L);
        String weights = g.node("Unsqueeze", "pool_mask", in(mask, g.vector("axis2", 2L)));
        String sum = g.node("ReduceSum", "pool_sum", in(ops.mul(x, weights), axis1), ofInt("keepdims", 0L));
        String count = g.node("Max", "pool_count", in(g.node("ReduceSum", "count", in(mask, axis1),
                ofInt("keepdims", 1L)), g.scalar("one", 1f)));
        return g.node("Div", "pooled", in(sum, count));
    }
}
