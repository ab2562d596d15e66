package dev.condense.models.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * The exact GELU, x·Φ(x) with Φ from erf, as BERT and MiniLM use. ND4J's GELU ops are the sigmoid or tanh
 * approximations, which differ by up to 1e-3 and would break parity with the pretrained model. Float arrays, the
 * training and inference path, go through {@link GeluKernel} (one vectorised pass, Φ within 2.2e-7); double arrays,
 * the gradient checks' path, through ND4J's erf and exp.
 */
public final class Gelu {

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private Gelu() {
    }

    /**
     * The output only. Φ(x) is recomputed by the backward pass from x, which the caller keeps anyway: keeping it
     * would hold one more [rows, FFN] array per layer for the whole step, the widest activation there is.
     */
    public record Result(INDArray output) {
    }

    /** x·Φ(x), in one new array. */
    public static Result forward(INDArray x) {
        if (x.dataType() == DataType.FLOAT) {
            INDArray in = FloatMemory.dense(x);
            INDArray out = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
            GeluKernel.forward(FloatMemory.of(in), FloatMemory.of(out));
            return new Result(out);
        }
        return new Result(cdf(x).muli(x));
    }

    /** d/dx [x·Φ(x)] = Φ(x) + x·φ(x), times dOut. */
    public static INDArray backward(INDArray x, Result fwd, INDArray dOut) {
        if (!Arrays.equals(x.shape(), dOut.shape())) {
            throw new IllegalArgumentException("GELU input " + Arrays.toString(x.shape()) + " and its gradient "
                    + Arrays.toString(dOut.shape()) + " differ in shape");
        }
        if (x.dataType() == DataType.FLOAT && dOut.dataType() == DataType.FLOAT) {
            INDArray in = FloatMemory.dense(x);
            INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
            GeluKernel.backward(FloatMemory.of(in), FloatMemory.of(FloatMemory.dense(dOut)), FloatMemory.of(dx));
            return dx;
        }
        INDArray pdf = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
        return pdf.muli(x).addi(cdf(x)).muli(dOut);
    }

    /** Φ(x) = ½(1 + erf(x/√2)), in a new array. */
    private static INDArray cdf(INDArray x) {
        INDArray cdf = x.mul(INV_SQRT2);
        Nd4j.getExecutioner().exec(new Erf(cdf, cdf));
        return cdf.addi(1.0).muli(0.5);
    }
}
