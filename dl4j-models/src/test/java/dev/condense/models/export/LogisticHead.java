package dev.condense.models.export;

/** Multinomial logistic regression by full-batch gradient descent: a quick real classifier head for tests. */
final class LogisticHead {

    private LogisticHead() {
    }

    /**
     * @return the weights [features, classes] row-major followed by the biases [classes], for features standardised
     *         by nothing (MiniLM's pooled embeddings are already of unit scale)
     */
    static float[] fit(float[][] x, int[] y, int classes) {
        int n = x.length;
        int d = x[0].length;
        double[] w = new double[d * classes + classes];
        double rate = 2.0;
        for (int iteration = 0; iteration < 400; iteration++) {
            double[] grad = new double[w.length];
            for (int i = 0; i < n; i++) {
                double[] p = softmax(x[i], w, d, classes);
                for (int c = 0; c < classes; c++) {
                    double err = (p[c] - (y[i] == c ? 1 : 0)) / n;
                    for (int j = 0; j < d; j++) {
                        grad[j * classes + c] += err * x[i][j];
                    }
                    grad[d * classes + c] += err;
                }
            }
            for (int k = 0; k < w.length; k++) {
                w[k] -= rate * grad[k];
            }
        }
        float[] out = new float[w.length];
        for (int k = 0; k < w.length; k++) {
            out[k] = (float) w[k];
        }
        return out;
    }

    private static double[] softmax(float[] x, double[] w, int d, int classes) {
        double[] z = new double[classes];
        for (int c = 0; c < classes; c++) {
            z[c] = w[d * classes + c];
            for (int j = 0; j < d; j++) {
                z[c] += w[j * classes + c] * x[j];
            }
        }
        double max = java.util.Arrays.stream(z).max().orElse(0);
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            z[c] = Math.exp(z[c] - max);
            sum += z[c];
        }
        for (int c = 0; c < classes; c++) {
            z[c] /= sum;
        }
        return z;
    }
}
