package dev.condense.models.factor;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.state.EncoderSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /** Under the ceiling the budget neither moves the gates nor raises its price. */
    @Test
    void belowTheCeilingThePenaltyAndItsGradientsVanish() {
        Map<String, INDArray> la = logAlpha(-4.0);
        assertTrue(BUDGET.expectedShare(la) < BUDGET.target());
        RankBudget.Terms terms = BUDGET.terms(la, 3.0, 2.0);
        assertEquals(0.0, terms.penalty());
        assertEquals(0.0, terms.dLambda1());
        assertEquals(0.0, terms.dLambda2());
        terms.dLogAlpha().values().forEach(d -> assertEquals(0.0, d.amaxNumber().doubleValue()));
        RankBudget.Terms above = BUDGET.terms(logAlpha(1.0), 3.0, 2.0);
        assertEquals(BUDGET.expectedShare(logAlpha(1.0)) - 0.3, above.dLambda1(), 1e-12);
        assertTrue(above.penalty() > 0);
    }

    /**
     * Adam-like steps (the rate times the gradient's sign) on the gates, against a data loss that wants every
     * direction open (−0.05·Σ P(open)), and on the multipliers: the expected share comes down to the ceiling and
     * stays at it, and λ₁ never falls. Under CoFi's equality λ₁ would have to turn back once e met the target (its
     * gradient e − t turns negative), at Adam's pace, which on SST-2 carried e from 0.20 down to 0.144; here, below
     * the ceiling, only the data moves the gates.
     */
    @Test
    void theLagrangianHoldsTheExpectedShareAtTheCeiling() {
        Map<String, INDArray> la = logAlpha(3.0);
        la.get("a").addi(Nd4j.linspace(DataType.DOUBLE, 0, 0.5, 6));
        double dataWeight = 0.05;
        double lambda1 = 0;
        double lambda2 = 0;
        double lowest = 1;
        boolean lambdaFell = false;
        for (int step = 0; step < 3000; step++) {
            RankBudget.Terms t = BUDGET.terms(la, lambda1, lambda2);
            t.dLogAlpha().forEach((m, d) -> {
                INDArray data = HardConcrete.DEFAULT.openProbabilityGradient(la.get(m)).muli(-dataWeight);
                la.get(m).subi(Transforms.sign(d.add(data), false).muli(0.02));
            });
            lambdaFell |= t.dLambda1() < 0;
            lambda1 += 0.01 * Math.signum(t.dLambda1());
            lambda2 += 0.01 * Math.signum(t.dLambda2());
            if (step > 1500) {
                lowest = Math.min(lowest, BUDGET.expectedShare(la));
            }
        }
        assertEquals(0.3, BUDGET.expectedShare(la), 0.01);
        assertTrue(lowest > 0.29, "the share fell to " + lowest);
        assertFalse(lambdaFell, "λ₁ never has to come back down");
    }

    /**
     * At the end each matrix keeps its expected count, and if that is above the ceiling the weakest directions across
     * the matrices go first, never a matrix's last: here "a" keeps its 6 (96 values) and "b" its 8 (128) by count,
     * 224 where 124 × 0.3 = 37.2 are allowed, so each keeps only its strongest direction (32 values); with room for
     * 62, "a" keeps its two strongest as well.
     */
    @Test
    void theFinalDirectionsKeepAtMostTheTarget() {
        Map<String, INDArray> la = new LinkedHashMap<>();
        la.put("a", Nd4j.createFromArray(9.0, 8, 5, 4, 2, 7));
        la.put("b", Nd4j.createFromArray(1.0, 3, 2.5, 2.2, 2.1, 2.3, 2.4, 2.6));
        assertEquals(224 / 124.0, BUDGET.keptShare(la), 1e-12, "by count, before the ceiling");
        Map<String, int[]> kept = BUDGET.keptDirections(la);
        assertArrayEquals(new int[] {0}, kept.get("a"));
        assertArrayEquals(new int[] {1}, kept.get("b"));

        RankBudget roomier = new RankBudget(BUDGET.matrices(), 124, 0.5, HardConcrete.DEFAULT);
        assertArrayEquals(new int[] {0, 1}, roomier.keptDirections(la).get("a"));
        assertArrayEquals(new int[] {1}, roomier.keptDirections(la).get("b"));

        Map<String, INDArray> under = logAlpha(-5.0);
        under.get("a").putScalar(0, 6.0);
        under.get("a").putScalar(3, 6.0);
        assertArrayEquals(new int[] {0, 3}, roomier.keptDirections(under).get("a"), "under the ceiling: the count");
        assertEquals(1, roomier.keptDirections(under).get("b").length, "at least one direction");
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
