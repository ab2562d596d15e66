package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** LayerNorm restricted to kept features is the LayerNorm of the smaller matrix, forward and backward. */
class LayerNormTest {

    private static final long[] KEPT = {0, 2, 3, 5};
    private static final double EPS = 1e-5;

    private static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5);
    }

    private static INDArray keep() {
        INDArray keep = Nd4j.zeros(DataType.DOUBLE, 6);
        for (long k : KEPT) {
            keep.putScalar(k, 1.0);
        }
        return keep;
    }

    private static INDArray kept(INDArray a) {
        return a.rank() == 1 ? a.get(NDArrayIndex.indices(KEPT)).dup()
                : a.get(NDArrayIndex.all(), NDArrayIndex.indices(KEPT)).dup();
    }

    @Test
    void keptFeaturesNormaliseLikeTheSmallerMatrixAndPrunedOnesAreZero() {
        INDArray x = random(1, 3, 6);
        INDArray gamma = random(2, 6).addi(1);
        INDArray beta = random(3, 6);
        INDArray masked = LayerNorm.forward(x, gamma, beta, EPS, keep()).output();
        INDArray small = LayerNorm.forward(kept(x), kept(gamma), kept(beta), EPS).output();

        assertEquals(0.0, kept(masked).sub(small).amaxNumber().doubleValue(), 1e-12);
        for (long pruned : new long[] {1, 4}) {
            assertEquals(0.0, masked.getColumn(pruned).amaxNumber().doubleValue(), 0.0);
        }
    }

    @Test
    void maskedBackwardIsTheSmallerMatrixsBackward() {
        INDArray x = random(4, 3, 6);
        INDArray gamma = random(5, 6).addi(1);
        INDArray beta = random(6, 6);
        INDArray dOut = random(7, 3, 6);
        INDArray dGamma = Nd4j.zeros(DataType.DOUBLE, 6);
        INDArray dBeta = Nd4j.zeros(DataType.DOUBLE, 6);
        INDArray dx = LayerNorm.backward(LayerNorm.forward(x, gamma, beta, EPS, keep()), dOut, gamma, dGamma, dBeta);

        INDArray dGammaSmall = Nd4j.zeros(DataType.DOUBLE, 4);
        INDArray dBetaSmall = Nd4j.zeros(DataType.DOUBLE, 4);
        INDArray dxSmall = LayerNorm.backward(LayerNorm.forward(kept(x), kept(gamma), kept(beta), EPS),
                kept(dOut), kept(gamma), dGammaSmall, dBetaSmall);

        assertEquals(0.0, kept(dx).sub(dxSmall).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0.0, kept(dGamma).sub(dGammaSmall).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0.0, kept(dBeta).sub(dBetaSmall).amaxNumber().doubleValue(), 1e-12);
        for (long pruned : new long[] {1, 4}) {
            assertEquals(0.0, dx.getColumn(pruned).amaxNumber().doubleValue(), 0.0, "no gradient into a pruned input");
            assertEquals(0.0, dBeta.getDouble(pruned), 0.0);
        }
    }

    /** The fused float path against the broadcast path in double, on a view (a column slice) and on a plain matrix. */
    @Test
    void theFusedFloatPathAgreesWithTheBroadcastPath() {
        Nd4j.getRandom().setSeed(3);
        INDArray wide = Nd4j.rand(DataType.FLOAT, 7, 48).muli(4).subi(1);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 24).addi(0.5);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 24);
        for (INDArray x : new INDArray[] {wide.get(NDArrayIndex.all(), NDArrayIndex.interval(10, 34)),
                wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 24)).dup('c')}) {
            LayerNorm.Result fused = LayerNorm.forward(x, gamma, beta, EPS);
            LayerNorm.Result reference = LayerNorm.forward(x.castTo(DataType.DOUBLE), gamma.castTo(DataType.DOUBLE),
                    beta.castTo(DataType.DOUBLE), EPS);
            assertEquals(0.0, fused.output().castTo(DataType.DOUBLE).sub(reference.output()).amaxNumber()
                    .doubleValue(), 1e-5);
            assertEquals(0.0, fused.normalized().castTo(DataType.DOUBLE).sub(reference.normalized()).amaxNumber()
                    .doubleValue(), 1e-5);
            assertEquals(0.0, fused.invStd().castTo(DataType.DOUBLE).sub(reference.invStd()).amaxNumber()
                    .doubleValue(), 1e-5 * reference.invStd().amaxNumber().doubleValue());
        }
    }

    /** The fused float backward pass against the broadcast path in double: dx, dγ and dβ, with a view as dOut. */
    @Test
    void theFusedFloatBackwardAgreesWithTheBroadcastPath() {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 9, 24).muli(4).subi(1);
        INDArray gamma = Nd4j.rand(DataType.FLOAT, 24).addi(0.5);
        INDArray beta = Nd4j.rand(DataType.FLOAT, 24);
        INDArray dOut = Nd4j.randn(DataType.FLOAT, 9, 40).get(NDArrayIndex.all(), NDArrayIndex.interval(5, 29));
        INDArray dGamma = Nd4j.ones(DataType.FLOAT, 24);
        INDArray dBeta = Nd4j.ones(DataType.FLOAT, 24);
        INDArray dx = LayerNorm.backward(LayerNorm.forward(x, gamma, beta, EPS), dOut, gamma, dGamma, dBeta);

        INDArray dGammaRef = Nd4j.ones(DataType.DOUBLE, 24);
        INDArray dBetaRef = Nd4j.ones(DataType.DOUBLE, 24);
        INDArray gammaRef = gamma.castTo(DataType.DOUBLE);
        INDArray dxRef = LayerNorm.backward(LayerNorm.forward(x.castTo(DataType.DOUBLE), gammaRef,
                beta.castTo(DataType.DOUBLE), EPS), dOut.castTo(DataType.DOUBLE), gammaRef, dGammaRef, dBetaRef);
        assertEquals(0.0, dx.castTo(DataType.DOUBLE).sub(dxRef).amaxNumber().doubleValue(),
                1e-5 * dxRef.amaxNumber().doubleValue());
        assertEquals(0.0, dGamma.castTo(DataType.DOUBLE).sub(dGammaRef).amaxNumber().doubleValue(), 1e-5);
        assertEquals(0.0, dBeta.castTo(DataType.DOUBLE).sub(dBetaRef).amaxNumber().doubleValue(), 1e-5);
    }
}
