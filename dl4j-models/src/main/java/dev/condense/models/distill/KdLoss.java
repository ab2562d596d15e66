package dev.condense.models.distill;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hinton's knowledge-distillation term on logits: T²·KL(p_teacher ‖ p_student), both softmaxes at temperature T.
 * The T² keeps its gradient, T·(p_student − p_teacher), on the scale of the hard-label loss as T grows.
 */
public final class KdLoss {

    private KdLoss() {
    }

    /** Summed over the batch; the gradient is multiplied by {@code scale}. */
    public record Result(double lossSum, INDArray dStudent) {
    }

    public static Result of(INDArray studentLogits, INDArray teacherLogits, double temperature, double scale) {
        double[][] s = studentLogits.toDoubleMatrix();
        double[][] t = teacherLogits.toDoubleMatrix();
        double[][] grad = new double[s.length][];
        double loss = 0;
        for (int i = 0; i < s.length; i++) {
            double[] ps = softmax(s[i], temperature);
            double[] pt = softmax(t[i], temperature);
            grad[i] = new double[ps.length];
            for (int c = 0; c < ps.length; c++) {
                if (pt[c] > 0) {
                    loss += temperature * temperature * pt[c] * (Math.log(pt[c]) - Math.log(ps[c]));
                }
                grad[i][c] = scale * temperature * (ps[c] - pt[c]);
            }
        }
        return new Result(loss, Nd4j.create(grad).castTo(studentLogits.dataType()));
    }

    static double[] softmax(double[] z, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v / temperature);
        }
        double norm = 0;
        double[] p = new double[z.length];
        for (int c = 0; c < z.length; c++) {
            p[c] = Math.exp(z[c] / temperature - max);
            norm += p[c];
        }
        for (int c = 0; c < z.length; c++) {
            p[c] /= norm;
        }
        return p;
    }
}
