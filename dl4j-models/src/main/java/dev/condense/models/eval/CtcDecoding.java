package dev.condense.models.eval;

import dev.condense.models.train.CtcLoss;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/** Greedy (best-path) CTC decoding: the most likely symbol at each position, repeats merged, blanks removed. */
public final class CtcDecoding {

    private CtcDecoding() {
    }

    /**
     * @param logits  [batch·length, symbols], row b·length + t for position t of example b
     * @param lengths each example's real positions
     * @return each example's symbols
     */
    public static int[][] greedy(INDArray logits, int length, int[] lengths) {
        double[][] z = logits.toDoubleMatrix();
        int[][] out = new int[lengths.length][];
        for (int b = 0; b < lengths.length; b++) {
            List<Integer> symbols = new ArrayList<>();
            int previous = CtcLoss.BLANK;
            for (int t = 0; t < lengths[b]; t++) {
                double[] row = z[b * length + t];
                int best = 0;
                for (int k = 1; k < row.length; k++) {
                    if (row[k] > row[best]) {
                        best = k;
                    }
                }
                if (best != CtcLoss.BLANK && best != previous) {
                    symbols.add(best);
                }
                previous = best;
            }
            out[b] = symbols.stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }
}
