package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = x·W + b with W stored [in, out], and its backward pass into caller-owned gradient buffers. Every product
 * goes through {@code Nd4j.gemm}: {@code INDArray.mmul} took 60% longer for the same shapes here.
 */
public final class Linear {

    private Linear() {
    }

    public static INDArray forward(INDArray x, INDArray weight, INDArray bias) {
        return Nd4j.gemm(x, weight, false, false).addiRowVector(LayerNorm.row(bias));
    }

    /**
     * Accumulates dW += xᵀ·dy and db += Σ rows of dy when the buffers are non-null, and returns dx = dy·Wᵀ
     * (or null when {@code needInputGrad} is false, which saves the largest GEMM of the first layer).
     */
    public static INDArray backward(INDArray x, INDArray weight, INDArray dy, INDArray dWeight, INDArray dBias,
                                    boolean needInputGrad) {
        if (dWeight != null) {
            Nd4j.gemm(x, dy, dWeight, true, false, 1.0, 1.0);
        }
        if (dBias != null) {
            ColumnSums.accumulate(dy, dBias);
        }
        return needInputGrad ? Nd4j.gemm(dy, weight, false, true) : null;
    }
}
