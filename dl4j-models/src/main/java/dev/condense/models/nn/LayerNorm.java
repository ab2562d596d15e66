package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last dimension of a [rows, features] matrix, with its exact backward pass.
 * Written with plain ND4J row/column broadcasts: a handful of passes over memory, no graph.
 */
public final class LayerNorm {

    private LayerNorm() {
    }

    /** What the backward pass needs: the normalised input and 1/σ per row. */
    public record Result(INDArray output, INDArray normalized, INDArray invStd) {
    }

    public static Result forward(INDArray x, INDArray gamma, INDArray beta, double eps) {
        INDArray centered = x.subColumnVector(x.mean(true, 1));
        INDArray variance = centered.mul(centered).mean(true, 1);
        INDArray invStd = Transforms.pow(variance.addi(eps), -0.5, false);
        INDArray normalized = centered.muliColumnVector(invStd);
        INDArray out = normalized.mulRowVector(row(gamma)).addiRowVector(row(beta));
        return new Result(out, normalized, invStd);
    }

    /**
     * dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)) with ĝ = dOut ⊙ γ; accumulates dγ and dβ when they are non-null.
     */
    public static INDArray backward(Result fwd, INDArray dOut, INDArray gamma, INDArray dGamma, INDArray dBeta) {
        if (dGamma != null) {
            dGamma.addi(dOut.mul(fwd.normalized()).sum(0).reshape(dGamma.shape()));
        }
        if (dBeta != null) {
            dBeta.addi(dOut.sum(0).reshape(dBeta.shape()));
        }
        INDArray g = dOut.mulRowVector(row(gamma));
        INDArray meanG = g.mean(true, 1);
        INDArray meanGx = g.mul(fwd.normalized()).mean(true, 1);
        return g.subiColumnVector(meanG)
                .subi(fwd.normalized().mulColumnVector(meanGx))
                .muliColumnVector(fwd.invStd());
    }

    static INDArray row(INDArray v) {
        return v.reshape(1, v.length());
    }
}
