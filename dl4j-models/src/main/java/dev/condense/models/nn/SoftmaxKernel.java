package dev.condense.models.nn;

import java.nio.FloatBuffer;

/**
 * The attention softmax's backward pass, one row at a time: dS = scale · P ⊙ (dP − Σ_j dP_j·P_j). ND4J took five
 * passes over the [batch, heads, length, length] arrays for it (a product into a fresh array, a sum over the last
 * axis, a broadcast subtraction and two scalings); here each row of P and dP is read into a {@code float[]} once,
 * its dot product taken and the result written over dP, while the row is in the L1 cache.
 */
final class SoftmaxKernel {

    private static final long MIN_PARALLEL = 1 << 16;

    private SoftmaxKernel() {
    }

    /**
     * @param probs     the softmax's output P, rows of {@code rowLength}
     * @param dProbs    the gradient with respect to P; overwritten with the gradient with respect to the scores
     * @param scale     the factor the scores were multiplied by before the softmax (1/√head size)
     */
    static void backwardInPlace(FloatBuffer probs, FloatBuffer dProbs, int rowLength, float scale) {
        int rows = probs.limit() / rowLength;
        ParallelRanges.inParallel(rows, probs.limit(), MIN_PARALLEL, (from, to) -> {
            float[] p = new float[rowLength];
            float[] g = new float[rowLength];
            for (int row = from; row < to; row++) {
                int start = row * rowLength;
                probs.get(start, p, 0, rowLength);
                dProbs.get(start, g, 0, rowLength);
                float dot = 0f;
                for (int j = 0; j < rowLength; j++) {
                    dot += g[j] * p[j];
                }
                for (int j = 0; j < rowLength; j++) {
                    g[j] = scale * p[j] * (g[j] - dot);
                }
                dProbs.put(start, g, 0, rowLength);
            }
        });
    }
}
