package dev.condense.models.factor;

import dev.condense.models.prune.MatrixKind;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The L0 budget that keeps learned ranks within a parameter ceiling, in CoFi's Lagrangian form made one-sided. With
 * P_mi the probability that gate i of matrix m is open ({@link HardConcrete#openProbability}), the expected share of
 * the reference values that the factors keep is e = Σ_m (in_m + out_m)·Σ_i P_mi / N, its excess over the target
 * share t is x = max(0, e − t), and the penalty is λ₁·x + λ₂·x². The gates descend the penalty; the multipliers
 * ascend it, so a budget that is exceeded keeps raising its own price until it is met, rather than settling on a
 * trade-off whose outcome depends on a hand-tuned weight.
 *
 * <p>Why a ceiling and not CoFi's equality e = t: the budget is "at most t", and under the equality the multiplier
 * has to change sign to stop the gates once they fall below t. It rises by Adam's ~lr per step for as long as e is
 * above the moving target of the warm-up, so by the time e reaches t it is far above the price that holds e there,
 * and unwinding it takes as long as building it (measured on SST-2: λ₁ at 2.4 when e met 0.20, e fell to 0.144 and
 * ended at 0.178). With the ceiling the penalty and its gradient vanish below t: the gates stop as soon as e is under
 * it and only the data moves them, which opens the useful directions back up to t. This is an exact penalty: any λ₁
 * at least the constraint's true multiplier gives the constrained optimum, so λ never needs to come back down (its
 * gradient, x, is never negative).
 *
 * @param matrices        the gated matrices with their dense shapes
 * @param referenceValues N: the values the share is counted against (the uncompressed encoder matrices)
 * @param target          t, the share of N to keep
 */
public record RankBudget(List<Matrix> matrices, long referenceValues, double target, HardConcrete gates)
        implements java.io.Serializable {

    /** One gated matrix: its dense weight name and shape [in, out]. */
    public record Matrix(String weight, long in, long out) implements java.io.Serializable {
        /** The values one kept direction costs: a column of U and a row of V. */
        long valuesPerDirection() {
            return in + out;
        }
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
            kept += m.valuesPerDirection() * gates.openProbability(logAlpha.get(m.weight())).sumNumber().doubleValue();
        }
        return kept / referenceValues;
    }

    /**
     * The share of the reference values the gates keep by their expected counts ({@link Factoriser#keptDirections}),
     * before {@link #keptDirections} holds the total to the target.
     */
    public double keptShare(Map<String, INDArray> logAlpha) {
        double kept = 0;
        for (Matrix m : matrices) {
            kept += (double) m.valuesPerDirection() * Factoriser.keptDirections(logAlpha.get(m.weight()), gates).length;
        }
        return kept / referenceValues;
    }

    /**
     * The directions each matrix keeps when training ends: its expected count ({@link Factoriser#keptDirections}),
     * then, while the factors would still hold more than the target share (the gates end a little above the ceiling
     * as often as below it), the directions of smallest log α across all matrices are dropped, weakest first and
     * never a matrix's last, so that the saved model keeps at most what the budget allows.
     */
    public Map<String, int[]> keptDirections(Map<String, INDArray> logAlpha) {
        record Direction(int matrix, int index, double logAlpha) {
        }
        List<Direction> candidates = new ArrayList<>();
        List<TreeSet<Integer>> kept = new ArrayList<>();
        double values = 0;
        for (int j = 0; j < matrices.size(); j++) {
            Matrix m = matrices.get(j);
            double[] la = logAlpha.get(m.weight()).castTo(DataType.DOUBLE).toDoubleVector();
            TreeSet<Integer> directions = new TreeSet<>();
            for (int i : Factoriser.keptDirections(logAlpha.get(m.weight()), gates)) {
                directions.add(i);
                candidates.add(new Direction(j, i, la[i]));
            }
            kept.add(directions);
            values += (double) m.valuesPerDirection() * directions.size();
        }
        candidates.sort(Comparator.comparingDouble(Direction::logAlpha));
        double allowed = target * referenceValues;
        for (int c = 0; c < candidates.size() && values > allowed; c++) {
            Direction d = candidates.get(c);
            if (kept.get(d.matrix()).size() > 1) {
                kept.get(d.matrix()).remove(d.index());
                values -= matrices.get(d.matrix()).valuesPerDirection();
            }
        }
        Map<String, int[]> out = new LinkedHashMap<>();
        for (int j = 0; j < matrices.size(); j++) {
            out.put(matrices.get(j).weight(), kept.get(j).stream().mapToInt(Integer::intValue).toArray());
        }
        return out;
    }

    /** The penalty and its gradients: ∂/∂log α per matrix, and ∂/∂λ₁ = x, ∂/∂λ₂ = x² (never negative). */
    public record Terms(double penalty, double share, Map<String, INDArray> dLogAlpha, double dLambda1,
                        double dLambda2) {
    }

    public Terms terms(Map<String, INDArray> logAlpha, double lambda1, double lambda2) {
        return terms(logAlpha, lambda1, lambda2, target);
    }

    /** The terms against an intermediate target (see {@link RankStep}'s warm-up). */
    public Terms terms(Map<String, INDArray> logAlpha, double lambda1, double lambda2, double currentTarget) {
        double e = expectedShare(logAlpha);
        double excess = Math.max(0, e - currentTarget);
        double dShare = excess > 0 ? lambda1 + 2 * lambda2 * excess : 0;
        Map<String, INDArray> d = new LinkedHashMap<>();
        for (Matrix m : matrices) {
            d.put(m.weight(), gates.openProbabilityGradient(logAlpha.get(m.weight()))
                    .muli(dShare * m.valuesPerDirection() / referenceValues));
        }
        return new Terms(lambda1 * excess + lambda2 * excess * excess, e, d, excess, excess * excess);
    }
}
