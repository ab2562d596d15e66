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

    /** Output and Φ(x), kept for the backward pass. */
    public record Result(INDArray output, INDArray cdf) {
    }

    public static Result forward(INDArray x) {
        INDArray cdf = x.mul(INV_SQRT2);
        Nd4j.getExecutioner().exec(new Erf(cdf, cdf));
        cdf.addi(1.0).muli(0.5);
        return new Result(x.mul(cdf), cdf);
    }

    /** d/dx [x·Φ(x)] = Φ(x) + x·φ(x). */
    public static INDArray backward(INDArray x, Result fwd, INDArray dOut) {
        INDArray pdf = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
        return pdf.muli(x).addi(fwd.cdf()).muli(dOut);
    }
}
