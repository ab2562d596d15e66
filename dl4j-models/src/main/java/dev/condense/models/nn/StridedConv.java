package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A 1-D convolution over time with kernel 3, stride 2 and one zero frame of padding on each side: output frame t
 * sees input frames 2t−1, 2t and 2t+1, so T frames become ⌈T/2⌉. Two of them are a speech encoder's ×4
 * subsampling.
 *
 * <p>It is computed as one GEMM: the three taps of every output frame are laid side by side (im2col) and multiplied
 * by the weight stored [3·in, out], tap-major. The taps are strided views of the zero-padded input viewed as
 * [batch, T/2 + 1, 2, in], so building them and scattering their gradients back needs no index arithmetic per
 * element.
 */
public final class StridedConv {

    private StridedConv() {
    }

    /** Output frames for {@code frames} input frames: ⌈frames/2⌉. */
    public static int outputLength(int frames) {
        return (frames + 1) / 2;
    }

    /**
     * @param columns the im2col matrix [batch·T/2, 3·in], kept for the weight gradient
     * @param output  x∗W + b, [batch·T/2, out]
     */
    public record Result(INDArray columns, INDArray output) {
    }

    /**
     * @param x      [batch, frames, in] with an even frame count (pad the batch to it)
     * @param weight [3·in, out]
     * @param bias   [out]
     */
    public static Result forward(INDArray x, INDArray weight, INDArray bias) {
        long b = x.size(0);
        long frames = x.size(1);
        long in = x.size(2);
        requireEven(frames);
        long out = frames / 2;
        INDArray pairs = padded(x, b, frames, in);
        INDArray columns = Nd4j.create(x.dataType(), b, out, 3 * in);
        for (int k = 0; k < 3; k++) {
            columns.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(k * in, (k + 1) * in))
                    .assign(pairs.get(tap(k, out)));
        }
        INDArray flat = columns.reshape('c', b * out, 3 * in);
        return new Result(flat, Linear.forward(flat, weight, bias));
    }

    /**
     * Accumulates dW and db when their buffers are non-null and returns ∂L/∂x, [batch, frames, in] (or null when
     * {@code needInputGrad} is false, as for the first layer, whose input is data).
     */
    public static INDArray backward(Result forward, INDArray weight, INDArray dOutput, INDArray dWeight,
                                    INDArray dBias, long batch, long frames, boolean needInputGrad) {
        INDArray dColumns = Linear.backward(forward.columns(), weight, dOutput, dWeight, dBias, needInputGrad);
        if (!needInputGrad) {
            return null;
        }
        long in = weight.size(0) / 3;
        long out = frames / 2;
        INDArray dCols = dColumns.reshape('c', batch, out, 3 * in);
        INDArray dPairs = Nd4j.create(dColumns.dataType(), batch, out + 1, 2, in);
        for (int k = 0; k < 3; k++) {
            dPairs.get(tap(k, out)).addi(dCols.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(k * in, (k + 1) * in)));
        }
        // padded frame p is input frame p − 1: drop the leading and trailing padding
        INDArray dPadded = dPairs.reshape('c', batch, 2 * (out + 1), in);
        return dPadded.get(NDArrayIndex.all(), NDArrayIndex.interval(1, frames + 1), NDArrayIndex.all()).dup('c');
    }

    /** [batch, T/2 + 1, 2, in]: the input with a zero frame before and after, in pairs of frames. */
    private static INDArray padded(INDArray x, long b, long frames, long in) {
        INDArray p = Nd4j.create(x.dataType(), b, frames + 2, in);
        p.get(NDArrayIndex.all(), NDArrayIndex.interval(1, frames + 1), NDArrayIndex.all()).assign(x);
        return p.reshape('c', b, frames / 2 + 1, 2, in);
    }

    /**
     * Tap k of every output frame t in the paired, padded input: padded frame 2t + k, which is pair t, slot k for
     * k = 0, 1 and pair t + 1, slot 0 for k = 2.
     */
    private static INDArrayIndex[] tap(int k, long out) {
        long first = k == 2 ? 1 : 0;
        return new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.interval(first, first + out),
                NDArrayIndex.point(k == 2 ? 0 : k), NDArrayIndex.all()};
    }

    private static void requireEven(long frames) {
        if (frames % 2 != 0) {
            throw new IllegalArgumentException("a stride-2 convolution needs an even frame count, got " + frames);
        }
    }
}
