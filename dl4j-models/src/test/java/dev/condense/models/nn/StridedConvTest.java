package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The im2col convolution against the definition, summed tap by tap in plain loops. */
class StridedConvTest {

    @Test
    void outputLengthIsHalfRoundedUp() {
        assertEquals(1, StridedConv.outputLength(1));
        assertEquals(1, StridedConv.outputLength(2));
        assertEquals(2, StridedConv.outputLength(3));
        assertEquals(50, StridedConv.outputLength(100));
    }

    @Test
    void forwardMatchesTheDefinitionWithZeroPadding() {
        int batch = 2;
        int frames = 6;
        int in = 3;
        int out = 4;
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, batch, frames, in).subi(0.5);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 3 * in, out).subi(0.5);
        INDArray bias = Nd4j.rand(DataType.DOUBLE, out);
        INDArray y = StridedConv.forward(x, w, bias).output();
        assertArrayEquals(new long[] {batch * frames / 2, out}, y.shape());
        for (int b = 0; b < batch; b++) {
            for (int t = 0; t < frames / 2; t++) {
                for (int o = 0; o < out; o++) {
                    double sum = bias.getDouble(o);
                    for (int k = 0; k < 3; k++) {
                        int source = 2 * t + k - 1;
                        if (source < 0 || source >= frames) {
                            continue;
                        }
                        for (int c = 0; c < in; c++) {
                            sum += x.getDouble(b, source, c) * w.getDouble(k * in + c, o);
                        }
                    }
                    assertEquals(sum, y.getDouble(b * frames / 2 + t, o), 1e-12, "b" + b + " t" + t + " o" + o);
                }
            }
        }
    }

    /** ∂/∂x of Σ y⊙R by central differences, every element. */
    @Test
    void inputGradientMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 4, 3).subi(0.5);
        INDArray w = Nd4j.rand(DataType.DOUBLE, 9, 2).subi(0.5);
        INDArray bias = Nd4j.zeros(DataType.DOUBLE, 2);
        INDArray probe = Nd4j.rand(DataType.DOUBLE, 4, 2);
        StridedConv.Result fwd = StridedConv.forward(x, w, bias);
        INDArray dx = StridedConv.backward(fwd, w, probe, null, null, 2, 4, true);
        double h = 1e-6;
        for (long i = 0; i < x.length(); i++) {
            double original = x.getDouble(i);
            x.putScalar(i, original + h);
            double plus = StridedConv.forward(x, w, bias).output().mul(probe).sumNumber().doubleValue();
            x.putScalar(i, original - h);
            double minus = StridedConv.forward(x, w, bias).output().mul(probe).sumNumber().doubleValue();
            x.putScalar(i, original);
            assertEquals((plus - minus) / (2 * h), dx.getDouble(i), 1e-8, "x[" + i + "]");
        }
    }

    @Test
    void anOddFrameCountIsRefused() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 5, 2);
        assertThrows(IllegalArgumentException.class,
                () -> StridedConv.forward(x, Nd4j.zeros(DataType.DOUBLE, 6, 1), Nd4j.zeros(DataType.DOUBLE, 1)));
    }
}
