package dev.condense.models.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

import static dev.condense.models.nn.SplitMix64.GOLDEN_GAMMA;
import static dev.condense.models.nn.SplitMix64.mix;

/**
 * Inverted dropout's mask (Srivastava et al., 2014): 0 for a dropped element, 1/(1 − rate) for a kept one, so the
 * expected activation is unchanged and inference needs no rescaling.
 *
 * <p>Element i is kept when a 64-bit mix of (seed, i) (SplitMix64's finaliser) lands at or above {@code rate} as a
 * 24-bit fraction. The mask is therefore a pure function of its seed and shape: the same step draws the same masks
 * on any thread count, after a restart from a checkpoint, and in the finite-difference tests, which perturb the
 * weights and need the same network each time. ND4J's random ops draw from one stateful generator per thread, which
 * guarantees none of that.
 */
public final class DropoutMask {

    private static final long MIN_PARALLEL = 1 << 16;
    private static final int BLOCK = 4096;
    private static final int FRACTION_BITS = 24;

    private DropoutMask() {
    }

    /**
     * @param rate the probability of dropping an element, in [0, 1)
     * @return the scaled mask of {@code shape}, or null when {@code rate} is 0 (nothing is dropped)
     */
    public static INDArray draw(long seed, double rate, DataType dtype, long... shape) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("a dropout rate must lie in [0, 1), got " + rate);
        }
        if (rate == 0) {
            return null;
        }
        long threshold = Math.round(rate * (1L << FRACTION_BITS));
        float kept = (float) (1.0 / (1.0 - rate));
        INDArray mask = Nd4j.create(DataType.FLOAT, shape);
        FloatBuffer out = FloatMemory.of(mask);
        int n = out.limit();
        ParallelRanges.inParallel((n + BLOCK - 1) / BLOCK, n, MIN_PARALLEL, (fromBlock, toBlock) -> {
            float[] block = new float[BLOCK];
            for (int b = fromBlock; b < toBlock; b++) {
                int start = b * BLOCK;
                int length = Math.min(BLOCK, n - start);
                for (int j = 0; j < length; j++) {
                    block[j] = (mix(seed + (start + j + 1L) * GOLDEN_GAMMA) >>> (64 - FRACTION_BITS))
                            >= threshold ? kept : 0f;
                }
                out.put(start, block, 0, length);
            }
        });
        return dtype == DataType.FLOAT ? mask : mask.castTo(dtype);
    }

    /**
     * A seed derived from {@code seed} and {@code index}: different indices (a pass's mask sites, or a step's
     * number and its batch) give unrelated masks.
     */
    public static long derive(long seed, long index) {
        return mix(seed ^ mix(index + 0x632BE59BD9B4E019L));
    }

}
