package dev.condense.models.factor;

import dev.condense.models.prune.MatrixKind;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The L0 budget that makes learned ranks reach a parameter target, in CoFi's Lagrangian form. With P_mi the
 * probability that gate i of matrix m is open ({@link HardConcrete#openProbability}), the expected share of the
 * reference values that the factors keep is e = Σ_m (in_m + out_m)·Σ_i P_mi / N, and the penalty is
 * λ₁·(e − t) + λ₂·(e − t)² for the target share t. The gates descend the penalty; the multipliers ascend it, so a
 * budget that is not met keeps raising its own price until it is, and an equality is reached rather than a
 * trade-off whose outcome depends on a hand-tuned weight.
 *
 * @param matrices        the gated matrices with their dense shapes
 * @param referenceValues N: the values the share is counted against (the uncompressed encoder matrices)
 * @param target          t, the share of N to keep
 */
public record RankBudget(List<Matrix> matrices, long referenceValues, double target, HardConcrete gates)
        implements java.io.Serializable {

    /** One gated matrix: its dense weight name and shape [in, out]. */
    public record Matrix(String weight, long in, long out) implements java.io.Serializable {
    }

    public RankBudget {
        matrices = List.copyOf(matrices);
        if (!(target > 0 && target <= 1)) {
            throw new IllegalArgumentException("the kept share must be in (0, 1], got " + target);
        }
        if (referenceValues <= 0) {
            throw new IllegalArgumentException("reference values must be > 0, got " + referenceValues);
        }
    }

    /**
     * The budget over the matrices of {@code kinds} in a model about to be gated: the target share of the teacher's
     * encoder-matrix values, less what the matrices that are not gated keep in full (or as their factors).
     *
     * @throws IllegalArgumentException when those matrices alone already keep the target, or none is gated
     */
    public static RankBudget over(EncoderSpec gated, Set<MatrixKind> kinds, double target, long teacherValues) {
        List<Matrix> matrices = new ArrayList<>();
        long fixed = 0;
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(gated)) {
            long in = m.shape()[0];
            long out = m.shape()[1];
            if (kinds.contains(MatrixKind.ofWeight(m.name()).orElseThrow())) {
                matrices.add(new Matrix(m.name(), in, out));
            } else {
                fixed += gated.rank(m.name()) > 0 ? gated.rank(m.name()) * (in + out) : in * out;
            }
        }
        double gatedShare = target - (double) fixed / teacherValues;
        if (matrices.isEmpty() || gatedShare <= 0) {
            throw new IllegalArgumentException("the matrices it does not select already keep " + fixed + " of the "
                    + "teacher's " + teacherValues + " encoder-matrix values" + (matrices.isEmpty()
                    ? ", and it selects none" : ""));
        }
        return new RankBudget(matrices, teacherValues, gatedShare, HardConcrete.DEFAULT);
    }

    /** e: the expected share of the reference values the gated factors keep. */
    public double expectedShare(Map<String, INDArray> logAlpha) {
        double kept = 0;
        for (Matrix m : matrices) {
            kept += (m.in() + m.out()) * gates.openProbability(logAlpha.get(m.weight())).sumNumber().doubleValue();
        }
        return kept / referenceValues;
    }

    /** The share of the reference values the gates would keep if training ended now (closed gates cut). */
    public double keptShare(Map<String, INDArray> logAlpha) {
        double kept = 0;
        for (Matrix m : matrices) {
            kept += (m.in() + m.out()) * Factoriser.keptDirections(logAlpha.get(m.weight()), gates).length;
        }
        return kept / referenceValues;
    }

    /** The penalty and its gradients: ∂/∂log α per matrix, and ∂/∂λ₁, ∂/∂λ₂. */
    public record Terms(double penalty, double share, Map<String, INDArray> dLogAlpha, double dLambda1,
                        double dLambda2) {
    }

    public Terms terms(Map<String, INDArray> logAlpha, double lambda1, double lambda2) {
        return terms(logAlpha, lambda1, lambda2, target);
    }

    /** The terms against an intermediate target (see {@link RankStep}'s warm-up). */
    public Terms terms(Map<String, INDArray> logAlpha, double lambda1, double lambda2, double currentTarget) {
        double e = expectedShare(logAlpha);
        double gap = e - currentTarget;
        double dShare = lambda1 + 2 * lambda2 * gap;
        Map<String, INDArray> d = new java.util.LinkedHashMap<>();
        for (Matrix m : matrices) {
            d.put(m.weight(), gates.openProbabilityGradient(logAlpha.get(m.weight()))
                    .muli(dShare * (m.in() + m.out()) / referenceValues));
        }
        return new Terms(lambda1 * gap + lambda2 * gap * gap, e, d, gap, gap * gap);
    }
}
