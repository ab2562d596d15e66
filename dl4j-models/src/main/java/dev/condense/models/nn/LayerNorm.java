package dev.condense.models.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.FloatBuffer;

/**
 * Layer normalisation over the last dimension of a [rows, features] matrix, with its exact backward pass.
 * Written with plain ND4J row/column broadcasts (a handful of passes over memory, no graph), and in float without
 * a keep vector, the training and inference path, as one pass per row ({@link #fusedFloat}).
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
        if (keep == null && x.dataType() == DataType.FLOAT && gamma.dataType() == DataType.FLOAT
                && beta.dataType() == DataType.FLOAT) {
            return fusedFloat(x, gamma, beta, eps);
        }
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
     * The float path without a keep vector, in one pass per row over native memory: mean, variance, x̂ and the
     * output. ND4J's element-wise ops take about eight passes with a fresh array each; here LayerNorm is 17% of a
     * shrunk model's inference time, one of the costs that do not shrink with heads and neurons, and this path takes
     * about 40% less. The sums are in double, so it agrees with the ND4J path to float rounding.
     */
    static Result fusedFloat(INDArray x, INDArray gamma, INDArray beta, double eps) {
        int rows = (int) x.rows();
        int n = (int) x.columns();
        INDArray in = FloatMemory.dense(x);
        float[] g = row(gamma).dup('c').toFloatVector();
        float[] b = row(beta).dup('c').toFloatVector();
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
        INDArray normalized = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
        INDArray invStd = Nd4j.createUninitialized(DataType.FLOAT, rows, 1);
        FloatBuffer source = FloatMemory.of(in);
        FloatBuffer outBuffer = FloatMemory.of(out);
        FloatBuffer normalizedBuffer = FloatMemory.of(normalized);
        FloatBuffer invStdBuffer = FloatMemory.of(invStd);
        float[] v = new float[n];
        for (int r = 0; r < rows; r++) {
            source.get(r * n, v);
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += v[j];
            }
            float mean = (float) (sum / n);
            double squares = 0;
            for (int j = 0; j < n; j++) {
                float centered = v[j] - mean;
                v[j] = centered;
                squares += (double) centered * centered;
            }
            float inv = (float) (1.0 / Math.sqrt(squares / n + eps));
            invStdBuffer.put(r, inv);
            for (int j = 0; j < n; j++) {
                v[j] *= inv;
            }
            normalizedBuffer.put(r * n, v);
            for (int j = 0; j < n; j++) {
                v[j] = v[j] * g[j] + b[j];
            }
            outBuffer.put(r * n, v);
        }
        return new Result(out, normalized, invStd, null, n);
    }

    /**
     * dx = (1/σ)·(ĝ − mean(ĝ) − x̂·mean(ĝ ⊙ x̂)) with ĝ = dOut ⊙ γ (⊙ keep), means over the kept features;
     * accumulates dγ and dβ when they are non-null.
     */
    public static INDArray backward(Result fwd, INDArray dOut, INDArray gamma, INDArray dGamma, INDArray dBeta) {
        INDArray keep = fwd.keep();
        if (keep == null && dOut.dataType() == DataType.FLOAT && gamma.dataType() == DataType.FLOAT
                && FloatMemory.isDense(fwd.normalized()) && FloatMemory.isDense(fwd.invStd())) {
            return fusedFloatBackward(fwd, dOut, gamma, dGamma, dBeta);
        }
        if (dGamma != null) {
            ColumnSums.accumulate(dOut.mul(fwd.normalized()), dGamma);
        }
        if (dBeta != null) {
            ColumnSums.accumulate(keep == null ? dOut : dOut.mulRowVector(keep), dBeta);
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

    /**
     * The float backward pass without a keep vector in one pass per row, as {@link #fusedFloat} is for the forward:
     * ĝ, its two row means, dx, and the column sums for dγ and dβ, where ND4J took about ten passes and two column
     * reductions. Row sums in double, column sums in float (as the GEMM-based ones of the other path).
     */
    static INDArray fusedFloatBackward(Result fwd, INDArray dOut, INDArray gamma, INDArray dGamma, INDArray dBeta) {
        INDArray normalized = fwd.normalized();
        int rows = (int) normalized.rows();
        int n = (int) normalized.columns();
        FloatBuffer upstream = FloatMemory.of(FloatMemory.dense(dOut));
        FloatBuffer xHat = FloatMemory.of(normalized);
        FloatBuffer invStd = FloatMemory.of(fwd.invStd());
        INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, rows, n);
        FloatBuffer dxBuffer = FloatMemory.of(dx);
        float[] g = row(gamma).dup('c').toFloatVector();
        float[] gammaSum = new float[n];
        float[] betaSum = new float[n];
        float[] d = new float[n];
        float[] h = new float[n];
        float[] scaled = new float[n];
        for (int r = 0; r < rows; r++) {
            upstream.get(r * n, d);
            xHat.get(r * n, h);
            for (int j = 0; j < n; j++) {
                gammaSum[j] += d[j] * h[j];
                betaSum[j] += d[j];
                scaled[j] = d[j] * g[j];
            }
            double sum = 0;
            double sumTimesXHat = 0;
            for (int j = 0; j < n; j++) {
                sum += scaled[j];
                sumTimesXHat += (double) scaled[j] * h[j];
            }
            float mean = (float) (sum / n);
            float meanTimesXHat = (float) (sumTimesXHat / n);
            float inv = invStd.get(r);
            for (int j = 0; j < n; j++) {
                scaled[j] = inv * (scaled[j] - mean - h[j] * meanTimesXHat);
            }
            dxBuffer.put(r * n, scaled);
        }
        if (dGamma != null) {
            dGamma.addi(Nd4j.createFromArray(gammaSum).reshape(dGamma.shape()));
        }
        if (dBeta != null) {
            dBeta.addi(Nd4j.createFromArray(betaSum).reshape(dBeta.shape()));
        }
        return dx;
    }

    static INDArray row(INDArray v) {
        return v.reshape(1, v.length());
    }
}
