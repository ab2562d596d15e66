package dev.condense.models.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Row lookup in an embedding table and its gradient, a scatter-add. SameDiff's gather gradient is wrong for
 * repeated ids in M2.1 and a one-hot matmul over a 30k vocabulary costs as much as the encoder, so the lookup is
 * a native row pull and the gradient sums duplicate ids in Java before touching the table once per distinct id.
 */
public final class Embedding {

    private Embedding() {
    }

    public static INDArray lookup(INDArray table, int[] rows) {
        return Nd4j.pullRows(table, 1, rows);
    }

    /** grad[rows[i]] += dOut[i] for every i; duplicates accumulate. */
    public static void scatterAdd(INDArray grad, int[] rows, INDArray dOut) {
        int width = (int) dOut.size(1);
        double[] d = dOut.dup('c').data().asDouble();
        int[] order = sortedOrder(rows);
        int i = 0;
        while (i < order.length) {
            int id = rows[order[i]];
            double[] sum = new double[width];
            for (; i < order.length && rows[order[i]] == id; i++) {
                int base = order[i] * width;
                for (int c = 0; c < width; c++) {
                    sum[c] += d[base + c];
                }
            }
            INDArray target = grad.getRow(id);
            target.addi(Nd4j.createFromArray(sum).castTo(grad.dataType()));
        }
    }

    private static int[] sortedOrder(int[] rows) {
        Integer[] idx = new Integer[rows.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Integer.compare(rows[a], rows[b]));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }
}
