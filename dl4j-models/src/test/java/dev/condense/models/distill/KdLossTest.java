package dev.condense.models.distill;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KdLossTest {

    @Test
    void matchesAHandComputedValueAndGradient() {
        // T = 2: student logits [1, 2] → softmax([0.5, 1]); teacher [2, 1] → softmax([1, 0.5])
        double e = Math.exp(0.5);
        double ps0 = 1 / (1 + e);
        double pt0 = e / (1 + e);
        double kl = pt0 * Math.log(pt0 / ps0) + (1 - pt0) * Math.log((1 - pt0) / (1 - ps0));
        KdLoss.Result r = KdLoss.of(Nd4j.createFromArray(new double[][] {{1, 2}}),
                Nd4j.createFromArray(new double[][] {{2, 1}}), 2.0, 1.0);
        assertEquals(4 * kl, r.lossSum(), 1e-12);
        assertEquals(2 * (ps0 - pt0), r.dStudent().getDouble(0, 0), 1e-12);
        assertEquals(-2 * (ps0 - pt0), r.dStudent().getDouble(0, 1), 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        double[][] s = {{0.3, -1.2, 2.0}, {1.0, 0.0, -0.5}};
        double[][] t = {{1.0, 0.5, -0.2}, {-1.0, 2.0, 0.1}};
        var r = KdLoss.of(Nd4j.createFromArray(s), Nd4j.createFromArray(t), 3.0, 1.0);
        double h = 1e-6;
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 3; c++) {
                double[][] plus = {s[0].clone(), s[1].clone()};
                double[][] minus = {s[0].clone(), s[1].clone()};
                plus[i][c] += h;
                minus[i][c] -= h;
                double numeric = (KdLoss.of(Nd4j.createFromArray(plus), Nd4j.createFromArray(t), 3.0, 1).lossSum()
                        - KdLoss.of(Nd4j.createFromArray(minus), Nd4j.createFromArray(t), 3.0, 1).lossSum()) / (2 * h);
                assertEquals(numeric, r.dStudent().getDouble(i, c), 1e-6);
            }
        }
    }
}
