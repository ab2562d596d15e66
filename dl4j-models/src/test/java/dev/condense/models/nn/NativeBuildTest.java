package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU build runs its float products in oneDNN (the {@code -onednn} native build of nd4j-native, 2-4x the
 * OpenBLAS kernels on one core here), and a Linear layer's three products stay exact to float rounding there.
 */
class NativeBuildTest {

    @Test
    void theLoadedNativeBuildHasOneDnn() {
        Nd4j.create(DataType.FLOAT, 1);
        String build = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        assertTrue(build.contains("HAVE_ONEDNN"), "nd4j-native was loaded without oneDNN:\n" + build);
    }

    @Test
    void linearProductsMatchDoublePrecision() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 96, 384).subi(0.5);
        INDArray w = Nd4j.rand(DataType.FLOAT, 384, 160).subi(0.5);
        INDArray b = Nd4j.rand(DataType.FLOAT, 160).subi(0.5);
        INDArray dy = Nd4j.rand(DataType.FLOAT, 96, 160).subi(0.5);
        INDArray dW = Nd4j.zeros(DataType.FLOAT, 384, 160);
        INDArray dB = Nd4j.zeros(DataType.FLOAT, 160);

        INDArray y = Linear.forward(x, w, b);
        INDArray dx = Linear.backward(x, w, dy, dW, dB, true);

        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray wd = w.castTo(DataType.DOUBLE);
        INDArray dyd = dy.castTo(DataType.DOUBLE);
        assertClose(xd.mmul(wd).addRowVector(b.castTo(DataType.DOUBLE)), y);
        assertClose(xd.transpose().mmul(dyd), dW);
        assertClose(dyd.mmul(wd.transpose()), dx);
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        double err = expected.sub(actual.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(err < 1e-4, "largest difference " + err);
    }
}
