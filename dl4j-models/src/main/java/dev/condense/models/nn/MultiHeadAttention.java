package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Scaled dot-product attention over projected queries, keys and values laid out [batch·length, hidden].
 * Heads are split with one permute-copy and multiplied with batched matmuls, so the whole batch of heads is one
 * native call instead of batch × heads small GEMMs.
 */
public final class MultiHeadAttention {

    private MultiHeadAttention() {
    }

    /**
     * Per-head tensors [batch, heads, length, headSize] and the attention probabilities, for backward: the softmax's
     * output P, and the weights the values were averaged with, P ⊙ dropout mask (P itself without dropout).
     */
    public record Result(INDArray context, INDArray q, INDArray k, INDArray v, INDArray probs, INDArray attended,
                         INDArray dropoutMask) {
    }

    public static Result forward(INDArray q, INDArray k, INDArray v, INDArray keyBias, int batch, int length,
                                 int heads) {
        return forward(q, k, v, keyBias, batch, length, heads, null);
    }

    /**
     * @param keyBias     [batch, length]: 0 for real tokens, a large negative number for padding, so padded keys
     *                    get exactly zero attention after the softmax
     * @param dropoutMask [batch, heads, length, length], the scaled mask applied to the probabilities; null for none
     */
    public static Result forward(INDArray q, INDArray k, INDArray v, INDArray keyBias, int batch, int length,
                                 int heads, INDArray dropoutMask) {
        int headSize = (int) (q.size(1) / heads);
        INDArray qh = split(q, batch, length, heads, headSize);
        INDArray kh = split(k, batch, length, heads, headSize);
        INDArray vh = split(v, batch, length, heads, headSize);
        INDArray scores = Nd4j.matmul(qh, kh, false, true, false).muli(1.0 / Math.sqrt(headSize));
        Nd4j.getExecutioner().exec(new BroadcastAddOp(scores, keyBias, scores, 0, 3));
        // in place: the scores are not needed once they are probabilities, and the step keeps what it allocates
        INDArray probs = scores;
        Nd4j.exec((CustomOp) new SoftMax(scores, probs, 3));
        INDArray attended = dropoutMask == null ? probs : probs.mul(dropoutMask);
        INDArray context = merge(Nd4j.matmul(attended, vh), batch, length);
        return new Result(context, qh, kh, vh, probs, attended, dropoutMask);
    }

    /** Returns {dq, dk, dv}, each [batch·length, hidden]. */
    public static INDArray[] backward(Result fwd, INDArray dContext, int batch, int length, int heads) {
        int headSize = (int) (dContext.size(1) / heads);
        INDArray dCtx = split(dContext, batch, length, heads, headSize);
        INDArray dProbs = Nd4j.matmul(dCtx, fwd.v(), false, true, false);
        if (fwd.dropoutMask() != null) {
            dProbs.muli(fwd.dropoutMask());
        }
        INDArray dv = Nd4j.matmul(fwd.attended(), dCtx, true, false, false);
        // softmax backward: dS = P ⊙ (dP − Σ_j dP_j·P_j), scaled as the scores were
        INDArray dScores;
        if (FloatMemory.isDense(dProbs) && FloatMemory.isDense(fwd.probs())) {
            SoftmaxKernel.backwardInPlace(FloatMemory.of(fwd.probs()), FloatMemory.of(dProbs), length,
                    (float) (1.0 / Math.sqrt(headSize)));
            dScores = dProbs;
        } else {
            INDArray rowDot = dProbs.mul(fwd.probs()).sum(3);
            Nd4j.getExecutioner().exec(new BroadcastSubOp(dProbs, rowDot, dProbs, 0, 1, 2));
            dScores = dProbs.muli(fwd.probs()).muli(1.0 / Math.sqrt(headSize));
        }
        INDArray dq = Nd4j.matmul(dScores, fwd.k());
        INDArray dk = Nd4j.matmul(dScores, fwd.q(), true, false, false);
        return new INDArray[] {merge(dq, batch, length), merge(dk, batch, length), merge(dv, batch, length)};
    }

    private static INDArray split(INDArray x, int batch, int length, int heads, int headSize) {
        return x.reshape('c', batch, length, heads, headSize).permute(0, 2, 1, 3).dup('c');
    }

    private static INDArray merge(INDArray xh, int batch, int length) {
        long hidden = xh.size(1) * xh.size(3);
        return xh.permute(0, 2, 1, 3).dup('c').reshape('c', (long) batch * length, hidden);
    }
}
