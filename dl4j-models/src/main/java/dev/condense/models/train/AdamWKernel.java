package dev.condense.models.train;

import java.nio.FloatBuffer;

/**
 * One AdamW update of a float tensor in one pass over memory: clip the gradient, decay the weight, advance both
 * moments, take the step. libnd4j's fused {@code adam_updater} advances the moments in one pass, but around it the
 * clip, the decay and the subtraction were three more ND4J passes (with the gradient norm, fourteen reads and writes
 * of every trained value): about an eighth of a MiniLM step on one core, most of it the 11.7 M word embeddings.
 * Blocks of 1,024 elements are copied into {@code float[]}s and updated by arithmetic the JIT vectorises.
 */
final class AdamWKernel {

    private static final int BLOCK = 1024;

    /**
     * The scalars of one step for one tensor, rounded to float from double: 1 − β₂ in particular, since
     * 1 − (float) 0.999 is 1.3e-5 away from 0.001 relatively.
     */
    record Step(float clip, float decay, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2,
                float epsilon, float stepSize) {

        static Step of(double clip, double decay, double beta1, double beta2, double epsilon, double stepSize) {
            return new Step((float) clip, (float) decay, (float) beta1, (float) (1 - beta1), (float) beta2,
                    (float) (1 - beta2), (float) epsilon, (float) stepSize);
        }
    }

    private AdamWKernel() {
    }

    /**
     * w ← w·decay − stepSize·m/(√v + ε), with m ← β₁m + (1−β₁)·g·clip and v ← β₂v + (1−β₂)·(g·clip)²; the gradient
     * is only read.
     */
    static void update(FloatBuffer w, FloatBuffer g, FloatBuffer m, FloatBuffer v, Step s) {
        int length = w.limit();
        float[] wb = new float[BLOCK];
        float[] gb = new float[BLOCK];
        float[] mb = new float[BLOCK];
        float[] vb = new float[BLOCK];
        for (int start = 0; start < length; start += BLOCK) {
            int n = Math.min(BLOCK, length - start);
            w.get(start, wb, 0, n);
            g.get(start, gb, 0, n);
            m.get(start, mb, 0, n);
            v.get(start, vb, 0, n);
            block(wb, gb, mb, vb, n, s);
            w.put(start, wb, 0, n);
            m.put(start, mb, 0, n);
            v.put(start, vb, 0, n);
        }
    }

    private static void block(float[] w, float[] g, float[] m, float[] v, int n, Step s) {
        float clip = s.clip();
        float decay = s.decay();
        float beta1 = s.beta1();
        float oneMinusBeta1 = s.oneMinusBeta1();
        float beta2 = s.beta2();
        float oneMinusBeta2 = s.oneMinusBeta2();
        float epsilon = s.epsilon();
        float stepSize = s.stepSize();
        for (int i = 0; i < n; i++) {
            float grad = g[i] * clip;
            float first = beta1 * m[i] + oneMinusBeta1 * grad;
            float second = beta2 * v[i] + oneMinusBeta2 * grad * grad;
            m[i] = first;
            v[i] = second;
            w[i] = w[i] * decay - stepSize * first / ((float) Math.sqrt(second) + epsilon);
        }
    }
}
