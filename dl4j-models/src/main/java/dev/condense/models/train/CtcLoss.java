package dev.condense.models.train;

import dev.condense.models.speech.Characters;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Connectionist temporal classification (Graves et al., 2006) over per-position logits, symbol 0 the blank: the
 * negative log-probability of each transcript summed over every alignment that collapses to it (repeats merged,
 * then blanks removed), and its exact gradient with respect to the logits.
 *
 * <p>Computed in log space by the forward-backward recursion over the transcript with blanks between and around its
 * symbols (2U + 1 states). α_t(s) includes position t's emission and β_t(s) excludes it, so the posterior of state s
 * at t is α_t(s)·β_t(s)/p and ∂(−log p)/∂z_t,k = softmax_t,k − Σ_{s: symbol k} posterior_t(s). Positions past an
 * utterance's length get no gradient.
 */
public final class CtcLoss {

    /** The blank's symbol id, the one {@link Characters} spells with. */
    public static final int BLANK = Characters.BLANK;

    private CtcLoss() {
    }

    /**
     * @param lossSum the negative log-likelihoods summed over the batch
     * @param dLogits the gradient of {@code scale}·lossSum, shaped like the logits
     */
    public record Result(double lossSum, INDArray dLogits) {
    }

    /**
     * @param logits      [batch·length, symbols], row b·length + t for position t of example b
     * @param length      the padded positions per example
     * @param lengths     each example's real positions
     * @param transcripts each example's symbols, none of them the blank
     * @param scale       multiplies the gradient (1/batch for a mean loss)
     */
    public static Result of(INDArray logits, int length, int[] lengths, int[][] transcripts, double scale) {
        double[][] z = logits.toDoubleMatrix();
        int symbols = z[0].length;
        double[][] grad = new double[z.length][symbols];
        double loss = 0;
        for (int b = 0; b < lengths.length; b++) {
            loss += example(z, grad, b * length, lengths[b], transcripts[b], symbols, scale, b);
        }
        return new Result(loss, Nd4j.create(grad).castTo(logits.dataType()));
    }

    private static double example(double[][] z, double[][] grad, int first, int frames, int[] target, int symbols,
                                  double scale, int index) {
        int states = 2 * target.length + 1;
        int[] label = new int[states];
        for (int u = 0; u < target.length; u++) {
            if (target[u] <= BLANK || target[u] >= symbols) {
                throw new IllegalArgumentException("example " + index + ": symbol " + target[u] + " is outside 1.."
                        + (symbols - 1));
            }
            label[2 * u + 1] = target[u];
        }
        if (frames < minimumPositions(target)) {
            throw new IllegalArgumentException("example " + index + " has " + frames + " positions, too few for its "
                    + target.length + " symbols (" + (minimumPositions(target) - target.length)
                    + " repeated need a blank between them)");
        }
        double[][] logProb = new double[frames][];
        for (int t = 0; t < frames; t++) {
            logProb[t] = logSoftmax(z[first + t]);
        }
        double[][] alpha = new double[frames][states];
        double[][] beta = new double[frames][states];
        for (double[] row : alpha) {
            Arrays.fill(row, Double.NEGATIVE_INFINITY);
        }
        for (double[] row : beta) {
            Arrays.fill(row, Double.NEGATIVE_INFINITY);
        }
        alpha[0][0] = logProb[0][BLANK];
        if (states > 1) {
            alpha[0][1] = logProb[0][label[1]];
        }
        for (int t = 1; t < frames; t++) {
            for (int s = 0; s < states; s++) {
                double sum = logAdd(alpha[t - 1][s], s > 0 ? alpha[t - 1][s - 1] : Double.NEGATIVE_INFINITY);
                if (canSkip(label, s)) {
                    sum = logAdd(sum, alpha[t - 1][s - 2]);
                }
                alpha[t][s] = sum + logProb[t][label[s]];
            }
        }
        beta[frames - 1][states - 1] = 0;
        if (states > 1) {
            beta[frames - 1][states - 2] = 0;
        }
        for (int t = frames - 2; t >= 0; t--) {
            for (int s = 0; s < states; s++) {
                double sum = beta[t + 1][s] + logProb[t + 1][label[s]];
                if (s + 1 < states) {
                    sum = logAdd(sum, beta[t + 1][s + 1] + logProb[t + 1][label[s + 1]]);
                }
                if (s + 2 < states && canSkip(label, s + 2)) {
                    sum = logAdd(sum, beta[t + 1][s + 2] + logProb[t + 1][label[s + 2]]);
                }
                beta[t][s] = sum;
            }
        }
        double logP = logAdd(alpha[frames - 1][states - 1],
                states > 1 ? alpha[frames - 1][states - 2] : Double.NEGATIVE_INFINITY);
        for (int t = 0; t < frames; t++) {
            double[] g = grad[first + t];
            for (int k = 0; k < symbols; k++) {
                g[k] = Math.exp(logProb[t][k]) * scale;
            }
            for (int s = 0; s < states; s++) {
                double posterior = alpha[t][s] + beta[t][s] - logP;
                if (posterior > Double.NEGATIVE_INFINITY) {
                    g[label[s]] -= Math.exp(posterior) * scale;
                }
            }
        }
        return -logP;
    }

    /** The fewest positions that can spell {@code transcript}: one per symbol, plus a blank between repeats. */
    public static int minimumPositions(int[] transcript) {
        int repeats = 0;
        for (int u = 1; u < transcript.length; u++) {
            repeats += transcript[u] == transcript[u - 1] ? 1 : 0;
        }
        return transcript.length + repeats;
    }

    /** A symbol state may be reached from two states back unless that state holds the same symbol (or s is blank). */
    private static boolean canSkip(int[] label, int s) {
        return s >= 2 && label[s] != BLANK && label[s] != label[s - 2];
    }

    private static double[] logSoftmax(double[] row) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : row) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : row) {
            sum += Math.exp(v - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[row.length];
        for (int k = 0; k < row.length; k++) {
            out[k] = row[k] - log;
        }
        return out;
    }

    private static double logAdd(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        return Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)));
    }
}
