package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exact GELU, x·Φ(x) with Φ from erf, as BERT and MiniLM use. ND4J's GELU ops are the sigmoid or tanh
 * approximations, which differ by up to 1e-3 and would break parity with the pretrained model.
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

    /** x·Φ(x), in one new array (Φ is built in it, then multiplied by x in place). */
    public static Result forward(INDArray x) {
        return new Result(cdf(x).muli(x));
    }

    /** d/dx [x·Φ(x)] = Φ(x) + x·φ(x). */
    public static INDArray backward(INDArray x, Result fwd, INDArray dOut) {
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
