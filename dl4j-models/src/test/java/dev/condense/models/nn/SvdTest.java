package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SvdTest {

    @Test
    void wideAndTallMatricesAreReconstructedWithOrthonormalFactors() {
        Nd4j.getRandom().setSeed(1);
        for (long[] shape : new long[][] {{12, 30}, {30, 12}, {9, 9}}) {
            INDArray w = Nd4j.randn(DataType.FLOAT, shape);
            Svd svd = Svd.of(w);
            int k = (int) Math.min(shape[0], shape[1]);
            assertEquals(k, svd.rank());
            assertEquals(0.0, svd.reconstruct().sub(w.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-10);
            assertEquals(0.0, svd.u().transpose().mmul(svd.u()).sub(Nd4j.eye(k)).amaxNumber().doubleValue(), 1e-10);
            assertEquals(0.0, svd.vt().mmul(svd.vt().transpose()).sub(Nd4j.eye(k)).amaxNumber().doubleValue(),
                    1e-10);
            for (int i = 1; i < k; i++) {
                assertTrue(svd.s().getDouble(i - 1) >= svd.s().getDouble(i));
            }
        }
    }

    /** Eckart–Young: the Frobenius error of the rank-r truncation is the norm of the discarded singular values. */
    @Test
    void truncationErrorIsTheDiscardedSpectrum() {
        Nd4j.getRandom().setSeed(2);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 20, 14);
        Svd full = Svd.of(w);
        Svd top = full.truncate(5);
        double discarded = 0;
        for (int i = 5; i < full.rank(); i++) {
            discarded += full.s().getDouble(i) * full.s().getDouble(i);
        }
        assertEquals(Math.sqrt(discarded), w.sub(top.reconstruct()).norm2Number().doubleValue(), 1e-9);
    }

    @Test
    void aKnownSpectrumIsRecovered() {
        // diag(3, 2, 0.5) in rotated coordinates: the singular values are 3, 2 and 0.5 whatever the rotation
        INDArray q = Svd.of(Nd4j.randn(DataType.DOUBLE, 3, 3)).u();
        INDArray w = q.mulRowVector(Nd4j.createFromArray(3.0, 2.0, 0.5)).mmul(q.transpose());
        assertEquals(0.0, Svd.of(w).s().sub(Nd4j.createFromArray(3.0, 2.0, 0.5)).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void balancedFactorsMultiplyBackAndShareTheirScale() {
        Nd4j.getRandom().setSeed(3);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 16, 6);
        INDArray[] f = Svd.of(w).truncate(6).balancedFactors(DataType.DOUBLE);
        assertEquals(0.0, f[0].mmul(f[1]).sub(w).amaxNumber().doubleValue(), 1e-10);
        assertEquals(f[0].norm2Number().doubleValue(), f[1].norm2Number().doubleValue(), 1e-10);
    }

    /**
     * A matrix of an encoder's size, where LAPACK runs its blocked paths: the squares of the singular values sum to
     * ‖W‖²_F and the factors give W back. OpenBLAS's SkylakeX kernels fail both on AVX-512 CPUs (then {@code of}
     * refuses, naming OPENBLAS_CORETYPE); the build and the launch scripts run the Haswell kernels.
     */
    @Test
    void anEncoderSizedMatrixIsDecomposedExactly() {
        Nd4j.getRandom().setSeed(11);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 384, 1536).subi(0.5);
        Svd svd = Svd.of(w);
        double frobenius = w.norm2Number().doubleValue();
        assertEquals(frobenius, svd.s().norm2Number().doubleValue(), 1e-10 * frobenius);
        assertEquals(0.0, svd.reconstruct().sub(w).amaxNumber().doubleValue(), 1e-12);
    }
}
