package dev.condense.models.export;

import static dev.condense.models.export.OnnxGraph.Attribute.ofInt;
import static dev.condense.models.export.OnnxGraph.Attribute.ofInts;
import static dev.condense.models.export.OnnxGraph.in;
import static dev.condense.models.state.ParameterNames.attentionNorm;
import static dev.condense.models.state.ParameterNames.attentionOutput;
import static dev.condense.models.state.ParameterNames.ffnIn;
import static dev.condense.models.state.ParameterNames.ffnNorm;
import static dev.condense.models.state.ParameterNames.ffnOut;
import static dev.condense.models.state.ParameterNames.key;
import static dev.condense.models.state.ParameterNames.query;
import static dev.condense.models.state.ParameterNames.value;

/**
 * One post-norm BERT block as ONNX nodes, on [batch, sequence, hidden] activations: multi-head attention, add &amp;
 * norm, GELU feed-forward, add &amp; norm. A layer that kept no heads (or no neurons) adds only that block's output
 * bias, as the engine does, so every shape {@code shrink} leaves exports.
 */
final class LayerGraph {

    private final GraphOps ops;

    LayerGraph(GraphOps ops) {
        this.ops = ops;
    }

    /**
     * @param keyBias [batch, 1, 1, sequence]: 0 at real keys, −1e9 at padding, added to the attention scores
     */
    String forward(int layer, String x, String keyBias) {
        String norm1 = ops.spec.layer(layer).heads() > 0
                ? ops.biasResidualNorm(attention(layer, x, keyBias), attentionOutput(layer, "bias"), x,
                attentionNorm(layer, "gamma"), attentionNorm(layer, "beta"))
                : emptyBlock(attentionOutput(layer, "bias"), x, attentionNorm(layer, "gamma"),
                attentionNorm(layer, "beta"));
        if (ops.spec.layer(layer).ffn() == 0) {
            return emptyBlock(ffnOut(layer, "bias"), norm1, ffnNorm(layer, "gamma"), ffnNorm(layer, "beta"));
        }
        String activation = ops.biasGelu(ops.product(norm1, ffnIn(layer, "")), ffnIn(layer, "bias"));
        return ops.biasResidualNorm(ops.product(activation, ffnOut(layer, "")), ffnOut(layer, "bias"), norm1,
                ffnNorm(layer, "gamma"), ffnNorm(layer, "beta"));
    }

    /** A block that kept no heads (or no neurons): its output is its bias, so LayerNorm(bias + residual). */
    private String emptyBlock(String biasName, String residual, String gammaName, String betaName) {
        return ops.layerNorm(ops.add(ops.weight(biasName), residual), gammaName, betaName);
    }

    /** The attention block's output before its bias: the heads' context times the output matrix. */
    private String attention(int layer, String x, String keyBias) {
        OnnxGraph g = ops.g;
        int heads = ops.spec.layer(layer).heads();
        int headSize = ops.spec.headSize();
        String split = g.vector("heads_shape", 0L, 0L, heads, headSize);
        // [batch, heads, sequence, headSize] for queries and values, [batch, heads, headSize, sequence] for keys
        String q = g.node("Transpose", "q", in(reshape(ops.project(x, query(layer, "")), split)),
                ofInts("perm", 0, 2, 1, 3));
        String k = g.node("Transpose", "k", in(reshape(ops.project(x, key(layer, "")), split)),
                ofInts("perm", 0, 2, 3, 1));
        String v = g.node("Transpose", "v", in(reshape(ops.project(x, value(layer, "")), split)),
                ofInts("perm", 0, 2, 1, 3));
        String scores = ops.mul(g.node("MatMul", "scores", in(q, k)),
                g.scalar("inv_sqrt_head", (float) (1 / Math.sqrt(headSize))));
        String probs = g.node("Softmax", "probs", in(ops.add(scores, keyBias)), ofInt("axis", -1L));
        String context = g.node("Transpose", "context", in(g.node("MatMul", "weighted", in(probs, v))),
                ofInts("perm", 0, 2, 1, 3));
        String merged = reshape(context, g.vector("merged_shape", 0L, 0L, (long) heads * headSize));
        return ops.product(merged, attentionOutput(layer, ""));
    }

    private String reshape(String x, String shape) {
        return ops.g.node("Reshape", "reshape", in(x, shape));
    }
}
