package dev.condense.models.encoder;

import dev.condense.models.nn.Gelu;
import dev.condense.models.nn.LayerNorm;
import dev.condense.models.nn.MultiHeadAttention;
import dev.condense.models.state.EncoderSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.Function;

import static dev.condense.models.state.ParameterNames.attentionNorm;
import static dev.condense.models.state.ParameterNames.attentionOutput;
import static dev.condense.models.state.ParameterNames.ffnIn;
import static dev.condense.models.state.ParameterNames.ffnNorm;
import static dev.condense.models.state.ParameterNames.ffnOut;
import static dev.condense.models.state.ParameterNames.key;
import static dev.condense.models.state.ParameterNames.query;
import static dev.condense.models.state.ParameterNames.value;

/**
 * One post-norm BERT block: attention, add &amp; norm, GELU feed-forward, add &amp; norm; forward and backward. The
 * layer takes its widths from the spec's shape for it, so a shrunk layer (fewer heads or neurons, factorised
 * projections, or none at all) runs the same code.
 */
final class EncoderLayer {

    private final int index;
    private final EncoderSpec spec;
    private final Map<String, INDArray> w;
    private final Map<String, INDArray> gates;
    private final int heads;
    private final boolean hasFfn;
    private final Projection q;
    private final Projection k;
    private final Projection v;
    private final Projection attOut;
    private final Projection ffnIn;
    private final Projection ffnOut;

    /** @param gates the engine's current gate vectors of factorised matrices (read at every forward pass) */
    EncoderLayer(int index, EncoderSpec spec, Map<String, INDArray> weights, Map<String, INDArray> gates) {
        this.index = index;
        this.spec = spec;
        this.w = weights;
        this.gates = gates;
        this.heads = spec.layer(index).heads();
        this.hasFfn = spec.layer(index).ffn() > 0;
        this.q = new Projection(query(index, ""), spec);
        this.k = new Projection(key(index, ""), spec);
        this.v = new Projection(value(index, ""), spec);
        this.attOut = new Projection(attentionOutput(index, ""), spec);
        this.ffnIn = new Projection(ffnIn(index, ""), spec);
        this.ffnOut = new Projection(ffnOut(index, ""), spec);
    }

    /**
     * Everything the backward pass reads. Without heads, {@code attention} and the q/k/v/attention-output projection
     * outputs are null; without neurons, so are the FFN's.
     */
    record Cache(INDArray input, Projection.Output[] qkv, MultiHeadAttention.Result attention,
                 Projection.Output attOut, INDArray attOutDropout, LayerNorm.Result norm1, Projection.Output ffnPre,
                 Gelu.Result ffnAct, Projection.Output ffnOut, INDArray ffnOutDropout, LayerNorm.Result norm2) {
        INDArray output() {
            return norm2.output();
        }

        /** The input of the attention output projection (null when the layer kept no heads). */
        INDArray context() {
            return attention == null ? null : attention.context();
        }
    }

    /**
     * @param keepHidden the kept hidden dimensions (0/1), or null when none is pruned
     * @param dropout    the pass's dropout masks ({@link Dropout.Masks#NONE} for none)
     */
    Cache forward(INDArray x, INDArray keyBias, int batch, int length, INDArray keepHidden, Dropout.Masks dropout) {
        Projection.Output[] qkv = null;
        MultiHeadAttention.Result att = null;
        Projection.Output attProjected = null;
        INDArray attention;
        if (heads > 0) {
            qkv = new Projection.Output[] {q.forward(x, w, gates), k.forward(x, w, gates), v.forward(x, w, gates)};
            att = MultiHeadAttention.forward(qkv[0].y(), qkv[1].y(), qkv[2].y(), keyBias, batch, length, heads,
                    dropout.attention(Dropout.Sites.attentionProbabilities(index), batch, heads, length, length));
            attProjected = attOut.forward(att.context(), w, gates);
            attention = attProjected.y();
        } else {
            attention = Projection.biasOnly(x, w(attentionOutput(index, "bias")));
        }
        INDArray attDropout = dropout.hidden(Dropout.Sites.attentionOutput(index), x.shape());
        if (attDropout != null) {
            attention.muli(attDropout);
        }
        LayerNorm.Result norm1 = LayerNorm.forward(attention.addi(x), w(attentionNorm(index, "gamma")),
                w(attentionNorm(index, "beta")), spec.layerNormEps(), keepHidden);
        Projection.Output pre = null;
        Gelu.Result act = null;
        Projection.Output ffnProjected = null;
        INDArray ffnOutput;
        if (hasFfn) {
            pre = ffnIn.forward(norm1.output(), w, gates);
            act = Gelu.forward(pre.y());
            ffnProjected = ffnOut.forward(act.output(), w, gates);
            ffnOutput = ffnProjected.y();
        } else {
            ffnOutput = Projection.biasOnly(norm1.output(), w(ffnOut(index, "bias")));
        }
        INDArray ffnDropout = dropout.hidden(Dropout.Sites.feedForwardOutput(index), x.shape());
        if (ffnDropout != null) {
            ffnOutput.muli(ffnDropout);
        }
        LayerNorm.Result norm2 = LayerNorm.forward(ffnOutput.addi(norm1.output()), w(ffnNorm(index, "gamma")),
                w(ffnNorm(index, "beta")), spec.layerNormEps(), keepHidden);
        return new Cache(x, qkv, att, attProjected, attDropout, norm1, pre, act, ffnProjected, ffnDropout, norm2);
    }

    /**
     * Accumulates this layer's weight gradients via {@code grad} (null for a frozen weight) and returns the
     * gradient of its input.
     */
    INDArray backward(Cache c, INDArray dOut, Function<String, INDArray> grad, int batch, int length) {
        INDArray dRes2 = LayerNorm.backward(c.norm2(), dOut, w(ffnNorm(index, "gamma")),
                grad.apply(ffnNorm(index, "gamma")), grad.apply(ffnNorm(index, "beta")));
        INDArray dFfnOut = c.ffnOutDropout() == null ? dRes2 : dRes2.mul(c.ffnOutDropout());
        INDArray dNorm1;
        if (hasFfn) {
            INDArray dAct = ffnOut.backward(c.ffnAct().output(), c.ffnOut(), dFfnOut, w, grad);
            INDArray dPre = Gelu.backward(c.ffnPre().y(), c.ffnAct(), dAct);
            dNorm1 = ffnIn.backward(c.norm1().output(), c.ffnPre(), dPre, w, grad).addi(dRes2);
        } else {
            Projection.biasOnlyBackward(dFfnOut, grad.apply(ffnOut(index, "bias")));
            dNorm1 = dRes2;
        }
        INDArray dRes1 = LayerNorm.backward(c.norm1(), dNorm1, w(attentionNorm(index, "gamma")),
                grad.apply(attentionNorm(index, "gamma")), grad.apply(attentionNorm(index, "beta")));
        INDArray dAttOut = c.attOutDropout() == null ? dRes1 : dRes1.mul(c.attOutDropout());
        if (heads == 0) {
            Projection.biasOnlyBackward(dAttOut, grad.apply(attentionOutput(index, "bias")));
            return dRes1;
        }
        INDArray dContext = attOut.backward(c.context(), c.attOut(), dAttOut, w, grad);
        INDArray[] dqkv = MultiHeadAttention.backward(c.attention(), dContext, batch, length, heads);
        INDArray dx = dRes1;
        dx.addi(q.backward(c.input(), c.qkv()[0], dqkv[0], w, grad));
        dx.addi(k.backward(c.input(), c.qkv()[1], dqkv[1], w, grad));
        dx.addi(v.backward(c.input(), c.qkv()[2], dqkv[2], w, grad));
        return dx;
    }

    private INDArray w(String name) {
        return w.get(name);
    }
}
