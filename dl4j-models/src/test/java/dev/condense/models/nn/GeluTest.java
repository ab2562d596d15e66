package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The float GELU kernels against the exact function (erf from its everywhere-convergent series, in double), against
 * finite differences of themselves, and against ND4J's double path on views.
 */
class GeluTest {

    /** erf(x) = 2/√π · e^{−x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)): positive terms, so no cancellation. */
    private static double erf(double x) {
        if (Math.abs(x) > 6) {
            return Math.signum(x);
        }
        double term = x;
        double sum = x;
        for (int n = 1; n < 400; n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }

    private static double cdf(double x) {
        return 0.5 * (1 + erf(x / Math.sqrt(2)));
    }

    private static double derivative(double x) {
        return cdf(x) + x * Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
    }

    /** −12 to 12 in steps of 1/64: both tails, the clamps at |x| = 4√2 and 6, and everything between. */
    private static INDArray grid() {
        return Nd4j.linspace(DataType.FLOAT, -12, 1 / 64.0, 1537);
    }

    @Test
    void theReferenceErfIsRight() {
        assertEquals(0.8427007929497149, erf(1), 1e-15);
        assertEquals(0.9999779095030014, erf(3), 1e-15);
        assertEquals(-0.5204998778130465, erf(-0.5), 1e-15);
    }

    @Test
    void forwardIsTheExactGeluWithinAFewUnitsInTheLastPlace() {
        INDArray x = grid();
        INDArray y = Gelu.forward(x).output();
        double worst = 0;
        for (long i = 0; i < x.length(); i++) {
            double v = x.getDouble(i);
            worst = Math.max(worst, Math.abs(y.getDouble(i) - v * cdf(v)) / Math.max(1, Math.abs(v)));
        }
        assertTrue(worst < 3e-7, "largest error, relative to max(1, |x|): " + worst);
    }

    @Test
    void backwardIsTheExactDerivativeWithin1e6() {
        INDArray x = grid();
        INDArray dx = Gelu.backward(x, Gelu.forward(x), Nd4j.ones(DataType.FLOAT, x.shape()));
        double worst = 0;
        for (long i = 0; i < x.length(); i++) {
            worst = Math.max(worst, Math.abs(dx.getDouble(i) - derivative(x.getDouble(i))));
        }
        assertTrue(worst < 1e-6, "largest error: " + worst);
    }

    /** The float backward against central differences of the float forward, with a step float can resolve. */
    @Test
    void floatBackwardMatchesFiniteDifferencesOfFloatForward() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, 64, 48).muli(3);
        INDArray dOut = Nd4j.randn(DataType.FLOAT, 64, 48);
        float h = 1e-2f;
        INDArray plus = Gelu.forward(x.add(h)).output();
        INDArray minus = Gelu.forward(x.sub(h)).output();
        INDArray numeric = plus.sub(minus).divi(2 * h).muli(dOut);
        INDArray analytic = Gelu.backward(x, Gelu.forward(x), dOut);
        double scale = dOut.amaxNumber().doubleValue();
        assertEquals(0.0, analytic.sub(numeric).amaxNumber().doubleValue(), 5e-5 * scale);
    }

    /** Views (a column slice) are read correctly, and the float and double paths compute the same function. */
    @Test
    void floatKernelsOnViewsAgreeWithTheDoublePath() {
        Nd4j.getRandom().setSeed(12);
        INDArray wide = Nd4j.randn(DataType.FLOAT, 40, 96).muli(3);
        INDArray dWide = Nd4j.randn(DataType.FLOAT, 40, 96);
        INDArray x = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(7, 71));
        INDArray dOut = dWide.get(NDArrayIndex.all(), NDArrayIndex.interval(20, 84));
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray dOutD = dOut.castTo(DataType.DOUBLE);

        INDArray y = Gelu.forward(x).output();
        INDArray yd = Gelu.forward(xd).output();
        assertEquals(0.0, y.castTo(DataType.DOUBLE).sub(yd).amaxNumber().doubleValue(), 3e-6);
        INDArray dx = Gelu.backward(x, Gelu.forward(x), dOut);
        INDArray dxd = Gelu.backward(xd, Gelu.forward(xd), dOutD);
        assertEquals(0.0, dx.castTo(DataType.DOUBLE).sub(dxd).amaxNumber().doubleValue(),
                1e-6 * dOut.amaxNumber().doubleValue());
    }

    /** Above the size at which the work is split across threads, the result is bit for bit the row-by-row one. */
    @Test
    void aSplitPassEqualsRowByRowPassesBitForBit() {
        int saved = Nd4j.getEnvironment().maxMasterThreads();
        Nd4j.getEnvironment().setMaxMasterThreads(2);
        try {
            Nd4j.getRandom().setSeed(13);
            INDArray x = Nd4j.randn(DataType.FLOAT, 300, 512).muli(3);
            INDArray dOut = Nd4j.randn(DataType.FLOAT, 300, 512);
            INDArray y = Gelu.forward(x).output();
            INDArray dx = Gelu.backward(x, Gelu.forward(x), dOut);
            for (int r = 0; r < x.rows(); r++) {
                INDArray row = x.getRow(r, true).dup();
                assertEquals(Gelu.forward(row).output(), y.getRow(r, true));
                assertEquals(Gelu.backward(row, Gelu.forward(row), dOut.getRow(r, true).dup()), dx.getRow(r, true));
            }
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(saved);
        }
    }

    @Test
    void aGradientOfAnotherShapeIsRefused() {
        INDArray x = Nd4j.ones(DataType.FLOAT, 2, 3);
        assertThrows(IllegalArgumentException.class,
                () -> Gelu.backward(x, Gelu.forward(x), Nd4j.ones(DataType.FLOAT, 3, 2)));
    }
}
