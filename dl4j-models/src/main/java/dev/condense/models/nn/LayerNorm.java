package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last dimension of a [rows, features] matrix, with its exact backward pass.
 * Written with plain ND4J row/column broadcasts: a handful of passes over memory, no graph.
 *
 * <p>With a {@code keep} vector (1 kept, 0 pruned feature) the statistics are taken over the kept features only
 * and the pruned ones output exactly 0. That is what hidden-dimension pruning needs: the masked model then computes
 * the same function as the physically smaller model with those features removed, whatever values the pruned
 * features' inputs hold.
 */
public final class LayerNorm {

    private LayerNorm() {
    }

    /**
     * What the backward pass needs: the normalised input, 1/σ per row, and the kept features (null: all).
     */
    public record Result(INDArray output, INDArray normalized, INDArray invStd, INDArray keep, double features) {
    }

    public static Result forward(INDArray x, INDArray gamma, INDArray beta, double eps) {
        return forward(x, gamma, beta, eps, null);
    }

    /** @param keep 0/1 per feature, or null to normalise over every feature */
    public static Result forward(INDArray x, INDArray gamma, INDArray beta, double eps, INDArray keep) {
        if (keep == null) {
            INDArray centered = x.subColumnVector(x.mean(true, 1));
            INDArray variance = centered.mul(centered).mean(true, 1);
            INDArray invStd = Transforms.pow(variance.addi(eps), -0.5, false);
            INDArray normalized = centered.muliColumnVector(invStd);
            INDArray out = normalized.mulRowVector(row(gamma)).addiRowVector(row(beta));
            return new Result(out, normalized, invStd, null, x.columns());
        }
        INDArray keepRow = row(keep);
        double n = keep.sumNumber().doubleValue();
        if (n < 1) {
            throw new IllegalArgumentException("a LayerNorm needs at least one kept feature");
        }
        INDArray mean = x.mulRowVector(keepRow).sum(true, 1).divi(n);
        INDArray centered = x.subColumnVector(mean).muliRowVector(keepRow);
        INDArray variance = centered.mul(centered).sum(true, 1).divi(n);
        INDArray invStd = Transforms.pow(variance.addi(eps), -0.5, false);
        INDArray normalized = centered.muliColumnVector(invStd);
        INDArray out = normalized.mulRowVector(row(gamma)).addiRowVector(row(beta)).muliRowVector(keepRow);
        return new Result(out, normalized, invStd, keepRow, n);
    }

    /**
     * dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)) with ĝ = dOut ⊙ γ (⊙ keep), means over the kept features;
     * accumulates dγ and dβ when they are non-null.
     */
    public static INDArray backward(Result fwd, INDArray dOut, INDArray gamma, INDArray dGamma, INDArray dBeta) {
        INDArray keep = fwd.keep();
        if (dGamma != null) {
            dGamma.addi(dOut.mul(fwd.normalized()).sum(0).reshape(dGamma.shape()));
        }
        if (dBeta != null) {
            INDArray db = dOut.sum(true, 0);
            dBeta.addi((keep == null ? db : db.muli(keep)).reshape(dBeta.shape()));
        }
        INDArray g = dOut.mulRowVector(row(gamma));
        if (keep != null) {
            g.muliRowVector(keep);
        }
        INDArray meanG = g.sum(true, 1).divi(fwd.features());
        INDArray meanGx = g.mul(fwd.normalized()).sum(true, 1).divi(fwd.features());
        INDArray dx = g.subiColumnVector(meanG)
                .subi(fwd.normalized().mulColumnVector(meanGx))
                .muliColumnVector(fwd.invStd());
        return keep == null ? dx : dx.muliRowVector(keep);
    }

    static INDArray row(INDArray v) {
        return v.reshape(1, v.length());
    }
}
