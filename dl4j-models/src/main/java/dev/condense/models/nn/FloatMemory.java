package dev.condense.models.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * A dense float array's native memory as a {@link FloatBuffer}, element i at index i, for the kernels written in
 * Java: a loop over a block copied into a {@code float[]} is vectorised by the JIT, and one pass over memory replaces
 * the handful of passes (each with a fresh array) that ND4J's element-wise ops take.
 */
public final class FloatMemory {

    private FloatMemory() {
    }

    /** Whether {@link #of} can read {@code a} in place: float, row-major, not a view, no offset. */
    public static boolean isDense(INDArray a) {
        return a.dataType() == DataType.FLOAT && !a.isView() && a.ordering() == 'c' && a.offset() == 0;
    }

    /** {@code a} itself when it is dense, otherwise a dense copy of it. */
    public static INDArray dense(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            throw new IllegalArgumentException("expected a float array, got " + a.dataType());
        }
        return isDense(a) ? a : a.dup('c');
    }

    /** The elements of a dense float array, positioned at 0 with its length as the limit. */
    public static FloatBuffer of(INDArray a) {
        if (!isDense(a)) {
            throw new IllegalStateException("expected a dense float array, got " + a.shapeInfoToString());
        }
        FloatBuffer buffer = a.data().asNioFloat().duplicate();
        buffer.clear();
        buffer.limit(Math.toIntExact(a.length()));
        return buffer;
    }
}
