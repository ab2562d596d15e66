package dev.condense.models.encoder;

import dev.condense.models.nn.Gelu;
import dev.condense.models.nn.LayerNorm;
import dev.condense.models.nn.Linear;
import dev.condense.models.nn.MultiHeadAttention;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.Function;

import static dev.condense.models.encoder.ParameterNames.attentionNorm;
import static dev.condense.models.encoder.ParameterNames.attentionOutput;
import static dev.condense.models.encoder.ParameterNames.ffnIn;
import static dev.condense.models.encoder.ParameterNames.ffnNorm;
import static dev.condense.models.encoder.ParameterNames.ffnOut;
import static dev.condense.models.encoder.ParameterNames.key;
import static dev.condense.models.encoder.ParameterNames.query;
import static dev.condense.models.encoder.ParameterNames.value;

/** One post-norm BERT block: attention, add & norm, GELU feed-forward, add & norm; forward and backward. */
final class EncoderLayer {

    private final int index;
    private final EncoderSpec spec;
    private final Map<String, INDArray> w;

    EncoderLayer(int index, EncoderSpec spec, Map<String, INDArray> weights) {
        this.index = index;
        this.spec = spec;
        this.w = weights;
    }

    /** Everything the backward pass reads. */
    record Cache(INDArray input, MultiHeadAttention.Result attention, LayerNorm.Result norm1, INDArray ffnPre,
                 Gelu.Result ffnAct, LayerNorm.Result norm2) {
        INDArray output() {
            return norm2.output();
        }
    }

    /** @param keepHidden the kept hidden dimensions (0/1), or null when none is pruned */
    Cache forward(INDArray x, INDArray keyBias, int batch, int length, INDArray keepHidden) {
        INDArray q = Linear.forward(x, w(query(index, "weight")), w(query(index, "bias")));
        INDArray k = Linear.forward(x, w(key(index, "weight")), w(key(index, "bias")));
        INDArray v = Linear.forward(x, w(value(index, "weight")), w(value(index, "bias")));
        MultiHeadAttention.Result att = MultiHeadAttention.forward(q, k, v, keyBias, batch, length, spec.heads());
        INDArray attOut = Linear.forward(att.context(), w(attentionOutput(index, "weight")),
                w(attentionOutput(index, "bias")));
        LayerNorm.Result norm1 = LayerNorm.forward(attOut.addi(x), w(attentionNorm(index, "gamma")),
                w(attentionNorm(index, "beta")), spec.layerNormEps(), keepHidden);
        INDArray pre = Linear.forward(norm1.output(), w(ffnIn(index, "weight")), w(ffnIn(index, "bias")));
        Gelu.Result act = Gelu.forward(pre);
        INDArray ffnOutput = Linear.forward(act.output(), w(ffnOut(index, "weight")), w(ffnOut(index, "bias")));
        LayerNorm.Result norm2 = LayerNorm.forward(ffnOutput.addi(norm1.output()), w(ffnNorm(index, "gamma")),
                w(ffnNorm(index, "beta")), spec.layerNormEps(), keepHidden);
        return new Cache(x, att, norm1, pre, act, norm2);
    }

    /**
     * Accumulates this layer's weight gradients via {@code grad} (null for a frozen weight) and returns the
     * gradient of its input.
     */
    INDArray backward(Cache c, INDArray dOut, Function<String, INDArray> grad, int batch, int length) {
        INDArray dRes2 = LayerNorm.backward(c.norm2(), dOut, w(ffnNorm(index, "gamma")),
                grad.apply(ffnNorm(index, "gamma")), grad.apply(ffnNorm(index, "beta")));
        INDArray dAct = linearBackward(c.ffnAct().output(), ffnOut(index, ""), dRes2, grad);
        INDArray dPre = Gelu.backward(c.ffnPre(), c.ffnAct(), dAct);
        INDArray dNorm1 = linearBackward(c.norm1().output(), ffnIn(index, ""), dPre, grad).addi(dRes2);
        INDArray dRes1 = LayerNorm.backward(c.norm1(), dNorm1, w(attentionNorm(index, "gamma")),
                grad.apply(attentionNorm(index, "gamma")), grad.apply(attentionNorm(index, "beta")));
        INDArray dContext = linearBackward(c.attention().context(), attentionOutput(index, ""), dRes1, grad);
        INDArray[] dqkv = MultiHeadAttention.backward(c.attention(), dContext, batch, length, spec.heads());
        INDArray dx = dRes1;
        dx.addi(linearBackward(c.input(), query(index, ""), dqkv[0], grad));
        dx.addi(linearBackward(c.input(), key(index, ""), dqkv[1], grad));
        dx.addi(linearBackward(c.input(), value(index, ""), dqkv[2], grad));
        return dx;
    }

    private INDArray linearBackward(INDArray x, String prefix, INDArray dy, Function<String, INDArray> grad) {
        return Linear.backward(x, w(prefix + "weight"), dy, grad.apply(prefix + "weight"),
                grad.apply(prefix + "bias"), true);
    }

    private INDArray w(String name) {
        return w.get(name);
    }
}
