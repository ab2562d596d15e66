package dev.condense.models.factor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HardConcreteTest {

    private static final HardConcrete HC = HardConcrete.DEFAULT;

    @Test
    void aSampleFollowsTheStretchedClippedSigmoidOfTheNoisyLogit() {
        INDArray logAlpha = Nd4j.createFromArray(0.5, -3.0, 4.0);
        INDArray u = Nd4j.createFromArray(0.3, 0.5, 0.9);
        INDArray z = HC.sample(logAlpha, u).z();
        for (int i = 0; i < 3; i++) {
            double uu = u.getDouble(i);
            double s = 1 / (1 + Math.exp(-(Math.log(uu) - Math.log(1 - uu) + logAlpha.getDouble(i)) / (2.0 / 3.0)));
            double expected = Math.min(1, Math.max(0, s * 1.2 - 0.1));
            assertEquals(expected, z.getDouble(i), 1e-12, "gate " + i);
        }
        assertEquals(0.0, z.getDouble(1), 0.0, "log α = −3 at u = 0.5 is switched off exactly");
        assertEquals(1.0, z.getDouble(2), 0.0, "log α = 4 at u = 0.9 is fully open");
    }

    @Test
    void theGateDerivativeMatchesFiniteDifferences() {
        INDArray u = Nd4j.createFromArray(0.3, 0.6, 0.45, 0.7);
        INDArray logAlpha = Nd4j.createFromArray(0.2, -0.4, 1.0, -0.1);
        INDArray analytic = HC.sample(logAlpha, u).dzdLogAlpha();
        double h = 1e-6;
        for (int i = 0; i < 4; i++) {
            INDArray plus = logAlpha.dup();
            plus.putScalar(i, logAlpha.getDouble(i) + h);
            INDArray minus = logAlpha.dup();
            minus.putScalar(i, logAlpha.getDouble(i) - h);
            double numeric = (HC.sample(plus, u).z().getDouble(i) - HC.sample(minus, u).z().getDouble(i)) / (2 * h);
            assertEquals(numeric, analytic.getDouble(i), 1e-6);
        }
    }

    /** The closed form of P(z ≠ 0), which the L0 budget sums, against sampled gates. */
    @Test
    void theOpenProbabilityIsTheFractionOfSampledGatesAboveZero() {
        int n = 200_000;
        SplittableRandom r = new SplittableRandom(3);
        for (double la : new double[] {-2.0, 0.0, 1.5}) {
            double[] u = new double[n];
            for (int i = 0; i < n; i++) {
                u[i] = r.nextDouble(1e-9, 1 - 1e-9);
            }
            INDArray z = HC.sample(Nd4j.valueArrayOf(new long[] {n}, la, DataType.DOUBLE), Nd4j.createFromArray(u)).z();
            double open = z.gt(0.0).castTo(DataType.DOUBLE).meanNumber().doubleValue();
            double closedForm = HC.openProbability(Nd4j.createFromArray(la)).getDouble(0);
            assertEquals(closedForm, open, 0.005, "log α = " + la);
        }
    }

    /** The mean gate the final model uses, against the mean of 200,000 sampled gates. */
    @Test
    void theExpectedGateIsTheMeanOfSampledGates() {
        int n = 200_000;
        SplittableRandom r = new SplittableRandom(4);
        double[] alphas = {-4.0, -2.4, 0.0, 1.5, 6.0};
        INDArray expected = HC.expected(Nd4j.createFromArray(alphas));
        for (int a = 0; a < alphas.length; a++) {
            double[] u = new double[n];
            for (int i = 0; i < n; i++) {
                u[i] = r.nextDouble(1e-9, 1 - 1e-9);
            }
            double mean = HC.sample(Nd4j.valueArrayOf(new long[] {n}, alphas[a], DataType.DOUBLE),
                    Nd4j.createFromArray(u)).z().meanNumber().doubleValue();
            assertEquals(mean, expected.getDouble(a), 0.003, "log α = " + alphas[a]);
        }
        assertEquals(0.0, HC.deterministic(Nd4j.createFromArray(-2.4)).getDouble(0), 0.0,
                "the usual rule closes this gate");
        assertTrue(expected.getDouble(1) > 0.05, "though it was open on average during training");
    }

    @Test
    void deterministicGatesCloseBelowTheStretchAndSaturateAboveIt() {
        INDArray z = HC.deterministic(Nd4j.createFromArray(-5.0, 0.0, 5.0));
        assertEquals(0.0, z.getDouble(0), 0.0);
        assertEquals(0.5, z.getDouble(1), 1e-12);
        assertEquals(1.0, z.getDouble(2), 0.0);
    }
}
