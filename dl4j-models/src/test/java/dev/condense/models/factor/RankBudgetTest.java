package dev.condense.models.factor;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.state.EncoderSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RankBudgetTest {

    /** Two matrices, 6×10 (rank ≤ 6) and 8×8 (rank ≤ 8), against their 124 dense values. */
    private static final RankBudget BUDGET = new RankBudget(List.of(new RankBudget.Matrix("a", 6, 10),
            new RankBudget.Matrix("b", 8, 8)), 6 * 10 + 8 * 8, 0.3, HardConcrete.DEFAULT);

    private static Map<String, INDArray> logAlpha(double value) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("a", Nd4j.valueArrayOf(new long[] {6}, value, DataType.DOUBLE));
        out.put("b", Nd4j.valueArrayOf(new long[] {8}, value, DataType.DOUBLE));
        return out;
    }

    @Test
    void theExpectedShareCountsEachOpenDirectionAtItsFactorsSize() {
        double p = HardConcrete.DEFAULT.openProbability(Nd4j.createFromArray(1.0)).getDouble(0);
        assertEquals((6 * 16 * p + 8 * 16 * p) / 124, BUDGET.expectedShare(logAlpha(1.0)), 1e-12);
    }

    @Test
    void theGateGradientMatchesFiniteDifferences() {
        Map<String, INDArray> la = logAlpha(0.0);
        la.get("a").putScalar(2, 1.3);
        la.get("b").putScalar(5, -0.7);
        RankBudget.Terms terms = BUDGET.terms(la, 0.4, 2.0);
        double h = 1e-6;
        for (String m : List.of("a", "b")) {
            for (int i = 0; i < la.get(m).length(); i++) {
                double original = la.get(m).getDouble(i);
                la.get(m).putScalar(i, original + h);
                double plus = BUDGET.terms(la, 0.4, 2.0).penalty();
                la.get(m).putScalar(i, original - h);
                double minus = BUDGET.terms(la, 0.4, 2.0).penalty();
                la.get(m).putScalar(i, original);
                assertEquals((plus - minus) / (2 * h), terms.dLogAlpha().get(m).getDouble(i), 1e-8, m + "[" + i + "]");
            }
        }
    }

    /** Descent on the gates and ascent on the multipliers, with no data loss, meets the budget from all-open gates. */
    @Test
    void theLagrangianDrivesTheExpectedShareToTheTarget() {
        Map<String, INDArray> la = logAlpha(3.0);
        la.get("a").addi(Nd4j.linspace(DataType.DOUBLE, 0, 0.5, 6));
        double lambda1 = 0;
        double lambda2 = 0;
        for (int step = 0; step < 3000; step++) {
            RankBudget.Terms t = BUDGET.terms(la, lambda1, lambda2);
            t.dLogAlpha().forEach((m, d) -> la.get(m).subi(d.mul(5.0)));
            lambda1 += 0.05 * t.dLambda1();
            lambda2 += 0.05 * t.dLambda2();
        }
        assertEquals(0.3, BUDGET.expectedShare(la), 0.01);
    }
    /**
     * The tiny encoder has two layers of four 8×8 attention matrices (512 values) and two 8×12 / 12×8 FFN matrices
     * (384): gating the FFN matrices leaves the attention's 512 of the 896 fixed, so a target of 0.8 leaves
     * 0.8 − 512/896 to the gates, and a target of 0.5 is already spent.
     */
    @Test
    void theBudgetOverAModelLeavesTheGatesWhatTheUngatedMatricesDoNotKeep() {
        Set<MatrixKind> ffn = Set.of(MatrixKind.FFN_IN, MatrixKind.FFN_OUT);
        EncoderSpec spec = TinyEncoders.spec();
        Map<String, Integer> ranks = Factoriser.fullRanks(spec, ffn);
        assertEquals(4, ranks.size());
        assertTrue(ranks.values().stream().allMatch(r -> r == 8), ranks.toString());
        EncoderSpec gated = Factoriser.factorise(TinyEncoders.randomState(spec, 1), ranks).spec();
        assertEquals(Map.of(), Factoriser.fullRanks(gated, ffn), "factors already there are not gated again");

        RankBudget budget = RankBudget.over(gated, ffn, 0.8, 896);
        assertEquals(0.8 - 512.0 / 896, budget.target(), 1e-12);
        assertEquals(List.of(8L + 12, 12L + 8, 8L + 12, 12L + 8),
                budget.matrices().stream().map(m -> m.in() + m.out()).toList());
        IllegalArgumentException spent = assertThrows(IllegalArgumentException.class,
                () -> RankBudget.over(gated, ffn, 0.5, 896));
        assertTrue(spent.getMessage().contains("already keep 512 of the teacher's 896"), spent.getMessage());

        Map<String, INDArray> halfOpen = new LinkedHashMap<>();
        for (RankBudget.Matrix m : budget.matrices()) {
            halfOpen.put(m.weight(), Nd4j.createFromArray(10.0, 10, 10, 10, -10, -10, -10, -10));
        }
        assertEquals(4 * 20 * 4 / 896.0, budget.keptShare(halfOpen), 1e-12);
    }
}
