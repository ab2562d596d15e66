package dev.condense.models.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CTC against its definition: every alignment enumerated, collapsed and summed; gradients by finite differences. */
class CtcLossTest {

    @Test
    void lossIsTheSumOverEveryAlignmentThatCollapsesToTheTranscript() {
        Nd4j.getRandom().setSeed(3);
        int length = 5;
        int symbols = 3;
        INDArray logits = Nd4j.rand(DataType.DOUBLE, 2 * length, symbols).subi(0.5).muli(4);
        int[] lengths = {5, 4};
        int[][] transcripts = {{1, 1}, {2, 1}};
        CtcLoss.Result r = CtcLoss.of(logits, length, lengths, transcripts, 1.0);
        double expected = 0;
        for (int b = 0; b < 2; b++) {
            expected -= Math.log(bruteForce(logits, b * length, lengths[b], transcripts[b], symbols));
        }
        assertEquals(expected, r.lossSum(), 1e-10);
    }

    @Test
    void gradientMatchesFiniteDifferencesAndPaddingGetsNone() {
        Nd4j.getRandom().setSeed(4);
        int length = 6;
        INDArray logits = Nd4j.rand(DataType.DOUBLE, 2 * length, 4).subi(0.5).muli(3);
        int[] lengths = {6, 4};
        int[][] transcripts = {{1, 2, 2}, {3}};
        INDArray g = CtcLoss.of(logits, length, lengths, transcripts, 0.5).dLogits();
        double h = 1e-6;
        for (long i = 0; i < logits.length(); i++) {
            double original = logits.getDouble(i);
            logits.putScalar(i, original + h);
            double plus = CtcLoss.of(logits, length, lengths, transcripts, 1).lossSum();
            logits.putScalar(i, original - h);
            double minus = CtcLoss.of(logits, length, lengths, transcripts, 1).lossSum();
            logits.putScalar(i, original);
            assertEquals(0.5 * (plus - minus) / (2 * h), g.getDouble(i), 1e-7, "logit " + i);
        }
        assertEquals(0.0, g.getRow(length + 5).norm2Number().doubleValue(), 0.0);
    }

    @Test
    void tooFewPositionsForTheTranscriptAreRefused() {
        INDArray logits = Nd4j.zeros(DataType.DOUBLE, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CtcLoss.of(logits, 2, new int[] {2}, new int[][] {{1, 1}}, 1));
        assertTrue(e.getMessage().contains("too few"), e.getMessage());
    }

    /** Σ over all symbols^frames paths that collapse to the target of Π softmax. */
    private static double bruteForce(INDArray logits, int first, int frames, int[] target, int symbols) {
        double[][] p = new double[frames][symbols];
        for (int t = 0; t < frames; t++) {
            double sum = 0;
            for (int k = 0; k < symbols; k++) {
                p[t][k] = Math.exp(logits.getDouble(first + t, k));
                sum += p[t][k];
            }
            for (int k = 0; k < symbols; k++) {
                p[t][k] /= sum;
            }
        }
        double total = 0;
        int[] path = new int[frames];
        for (long code = 0; code < Math.pow(symbols, frames); code++) {
            long c = code;
            double prob = 1;
            for (int t = 0; t < frames; t++) {
                path[t] = (int) (c % symbols);
                c /= symbols;
                prob *= p[t][path[t]];
            }
            if (collapse(path).equals(toList(target))) {
                total += prob;
            }
        }
        return total;
    }

    private static List<Integer> collapse(int[] path) {
        List<Integer> out = new ArrayList<>();
        for (int t = 0; t < path.length; t++) {
            if (path[t] != CtcLoss.BLANK && (t == 0 || path[t] != path[t - 1])) {
                out.add(path[t]);
            }
        }
        return out;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> out = new ArrayList<>();
        for (int v : a) {
            out.add(v);
        }
        return out;
    }
}
