package dev.condense.models.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Softmax cross-entropy on [batch, classes] logits: the summed loss, its gradient and the argmax predictions. */
public final class CrossEntropy {

    private CrossEntropy() {
    }

    /**
     * @param scale multiplies the gradient (1/batch for a mean loss)
     */
    public record Result(double lossSum, INDArray dLogits, int[] predictions) {
    }

    public static Result of(INDArray logits, int[] labels, double scale) {
        double[][] z = logits.toDoubleMatrix();
        int classes = z[0].length;
        double[][] grad = new double[z.length][classes];
        int[] predictions = new int[z.length];
        double loss = 0;
        for (int i = 0; i < z.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                if (z[i][c] > max) {
                    max = z[i][c];
                    predictions[i] = c;
                }
            }
            double norm = 0;
            for (int c = 0; c < classes; c++) {
                norm += Math.exp(z[i][c] - max);
            }
            double logNorm = max + Math.log(norm);
            if (labels != null) {
                int y = labels[i];
                if (y < 0 || y >= classes) {
                    throw new IllegalArgumentException("label " + y + " outside [0, " + classes + ")");
                }
                loss += logNorm - z[i][y];
                for (int c = 0; c < classes; c++) {
                    grad[i][c] = (Math.exp(z[i][c] - logNorm) - (c == y ? 1 : 0)) * scale;
                }
            }
        }
        INDArray dLogits = Nd4j.create(grad).castTo(logits.dataType());
        return new Result(loss, dLogits, predictions);
    }
}
