package dev.condense.models.prune;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.List;
import java.util.function.Function;

/**
 * A set of structures that are scored together, e.g. the 12 heads of one layer or the 1536 neurons of one FFN,
 * or every element of one matrix. {@link #reduce} turns an element-wise quantity over the member weights (w, |w|,
 * w·g) into one value per structure; {@link Member#expand} turns one keep/prune decision per structure back into
 * element masks.
 *
 * @param key     the name of this slot's score and mask tensors
 * @param shape   one entry per structure ([rows, cols] for element slots)
 * @param members the weights (and how) each structure covers
 */
public record Slot(String key, long[] shape, List<Member> members) implements Serializable {

    public long size() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /**
     * Σ over each structure's member elements of {@code perElement.get(weight)}; a member for which it returns
     * null (a frozen weight has no gradient) contributes nothing.
     */
    public INDArray reduce(Function<String, INDArray> perElement) {
        INDArray sum = null;
        for (Member m : members) {
            INDArray values = perElement.apply(m.weight());
            if (values == null) {
                continue;
            }
            INDArray part = m.reduce(values);
            sum = sum == null ? part : sum.addi(part);
        }
        if (sum == null) {
            throw new IllegalStateException("no member of slot " + key + " has values to reduce");
        }
        return sum;
    }

    /** How a weight takes part in a slot's structures. */
    public enum Axis {
        /** every element is its own structure */
        WHOLE,
        /** structure j covers column j (output unit j) */
        COLUMNS,
        /** structure i covers row i (input unit i) */
        ROWS,
        /** structure j covers entry j of a vector (a bias) */
        ENTRIES
    }

    /**
     * @param group consecutive columns/rows/entries per structure (a head's headSize; 1 otherwise)
     */
    public record Member(String weight, Axis axis, int group) implements Serializable {

        INDArray reduce(INDArray p) {
            INDArray perUnit = switch (axis) {
                case WHOLE -> p.dup();
                case COLUMNS -> p.sum(0);
                case ROWS -> p.sum(1);
                case ENTRIES -> p.reshape(p.length()).dup();
            };
            if (group == 1 || axis == Axis.WHOLE) {
                return perUnit;
            }
            return perUnit.reshape(perUnit.length() / group, group).sum(1);
        }

        /** The element mask of {@code weight} (shape {@code weightShape}) implied by one value per structure. */
        float[] expand(float[] structureMask, long[] weightShape) {
            int rows = (int) weightShape[0];
            int cols = weightShape.length > 1 ? (int) weightShape[1] : 1;
            float[] out = new float[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    int idx = i * cols + j;
                    out[idx] = switch (axis) {
                        case WHOLE -> structureMask[idx];
                        case COLUMNS -> structureMask[j / group];
                        case ROWS, ENTRIES -> structureMask[i / group];
                    };
                }
            }
            return out;
        }
    }
}
