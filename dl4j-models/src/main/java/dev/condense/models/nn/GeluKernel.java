package dev.condense.models.nn;

import java.nio.FloatBuffer;

/**
 * The exact GELU in float, forward and backward, each in one pass over memory with arithmetic the JIT vectorises.
 *
 * <p>Why: a training step spent a fifth of its time in GELU (docs/BENCHMARKS.md, "Where a training step's time
 * goes"), in libm's scalar {@code erff} called twice per element (forward, and Φ again in the backward pass) and
 * {@code expf} once, plus about fifteen ND4J passes over the widest activation of the layer. Here a block of 2,048
 * elements is copied into a {@code float[]}, transformed by straight-line float arithmetic (no calls, no branches:
 * C2 turns such a loop into AVX instructions), and copied back.
 *
 * <p>How, and how exactly:
 * <ul>
 *   <li>erf(z) = z·P(t)/Q(t) with t = (z/4)² on |z| ≤ 4 (erf(4) is 1 − 1.5e−8, which rounds to 1 in float), P and Q
 *       of degree 5: a weighted least-squares rational fit (Sanathanan–Koerner iterations, then Lawson reweighting
 *       towards minimax; {@code deploy/reference/erf_fit.py}). Its error is 2e−8 in exact arithmetic and at most
 *       4.4e−7 evaluated in float, so Φ is within 2.2e−7 of the exact value: a few units in the last place, where
 *       the tanh approximation is off by 1e−3.</li>
 *   <li>φ(x) = e^{−x²/2}/√(2π) for the backward pass, with e^{−s} = (e^{−s/32})^{32}: a degree-9 Taylor polynomial on
 *       s/32 ≤ 0.57 and five squarings, within 4e−6 of e^{−s} relatively, so the derivative Φ + x·φ is within 1e−6
 *       absolutely. x is clamped to ±6 there, where x·φ(x) is below 4e−8.</li>
 * </ul>
 * Arrays in double keep ND4J's exact ops ({@link Gelu}); the float kernels are checked against them and against
 * finite differences (GeluTest).
 */
final class GeluKernel {

    /** Elements per block: three float blocks (input, upstream gradient, output) stay in a 32 KB L1 cache. */
    static final int BLOCK = 2048;
    /** Below this many elements a second thread costs more than it saves. */
    private static final int MIN_PARALLEL = 1 << 16;

    private static final float INV_SQRT2 = 0.70710678f;
    private static final float INV_SQRT_2PI = 0.39894228f;
    private static final float ERF_RANGE = 4f;
    private static final float T_SCALE = 1f / (ERF_RANGE * ERF_RANGE);
    private static final float P0 = 1.128378977e+00f;
    private static final float P1 = 3.139914086e+00f;
    private static final float P2 = 1.368753040e+01f;
    private static final float P3 = 1.639818717e+01f;
    private static final float P4 = 1.887685924e+01f;
    private static final float P5 = 2.070802898e+00f;
    private static final float Q1 = 8.115974967e+00f;
    private static final float Q2 = 2.981750799e+01f;
    private static final float Q3 = 6.325885163e+01f;
    private static final float Q4 = 7.971255629e+01f;
    private static final float Q5 = 3.930179889e+01f;
    private static final float PDF_RANGE = 6f;
    /** 1/k!, the Taylor coefficients of e^{−y} up to sign. */
    private static final float E2 = 1f / 2;
    private static final float E3 = E2 / 3;
    private static final float E4 = E3 / 4;
    private static final float E5 = E4 / 5;
    private static final float E6 = E5 / 6;
    private static final float E7 = E6 / 7;
    private static final float E8 = E7 / 8;
    private static final float E9 = E8 / 9;

    private GeluKernel() {
    }

    /** out = x·Φ(x). */
    static void forward(FloatBuffer x, FloatBuffer out) {
        inParallel(x.limit(), (from, to) -> {
            float[] v = new float[BLOCK];
            for (int start = from; start < to; start += BLOCK) {
                int n = Math.min(BLOCK, to - start);
                x.get(start, v, 0, n);
                geluBlock(v, n);
                out.put(start, v, 0, n);
            }
        });
    }

    /** dx = dOut·(Φ(x) + x·φ(x)). */
    static void backward(FloatBuffer x, FloatBuffer dOut, FloatBuffer dx) {
        inParallel(x.limit(), (from, to) -> {
            float[] v = new float[BLOCK];
            float[] g = new float[BLOCK];
            float[] density = new float[BLOCK];
            for (int start = from; start < to; start += BLOCK) {
                int n = Math.min(BLOCK, to - start);
                x.get(start, v, 0, n);
                dOut.get(start, g, 0, n);
                densityTermBlock(v, density, n);
                derivativeTimesBlock(v, density, g, n);
                dx.put(start, v, 0, n);
            }
        });
    }

    private static void geluBlock(float[] v, int n) {
        for (int i = 0; i < n; i++) {
            float x = v[i];
            v[i] = x * cdf(x);
        }
    }

    /**
     * x·φ(x). A loop of its own: with Φ in the same loop body C2 no longer vectorises it (13 ns an element instead of
     * 1.1 for the two loops together).
     */
    private static void densityTermBlock(float[] v, float[] density, int n) {
        for (int i = 0; i < n; i++) {
            float x = Math.max(-PDF_RANGE, Math.min(PDF_RANGE, v[i]));
            density[i] = x * INV_SQRT_2PI * expOfMinus(x * x * 0.5f);
        }
    }

    private static void derivativeTimesBlock(float[] v, float[] density, float[] g, int n) {
        for (int i = 0; i < n; i++) {
            v[i] = g[i] * (cdf(v[i]) + density[i]);
        }
    }

    /** Φ(x) = ½(1 + erf(x/√2)), erf from the rational fit on the clamped argument. */
    private static float cdf(float x) {
        float z = Math.max(-ERF_RANGE, Math.min(ERF_RANGE, x * INV_SQRT2));
        float t = z * z * T_SCALE;
        float p = ((((P5 * t + P4) * t + P3) * t + P2) * t + P1) * t + P0;
        float q = ((((Q5 * t + Q4) * t + Q3) * t + Q2) * t + Q1) * t + 1f;
        return 0.5f + 0.5f * (z * p / q);
    }

    /**
     * e^{−s} for 0 ≤ s ≤ 18, as (e^{−s/32})^{32}. Written out (constants, five squarings) because C2 vectorises the
     * loop around it only without array reads or an inner loop in the body.
     */
    private static float expOfMinus(float s) {
        float y = s * (1f / 32);
        float e = 1f - y * (1f - y * (E2 - y * (E3 - y * (E4 - y * (E5 - y * (E6 - y * (E7 - y * (E8 - y * E9))))))));
        e *= e;
        e *= e;
        e *= e;
        e *= e;
        return e * e;
    }

    private static void inParallel(int length, ParallelRanges.Range range) {
        ParallelRanges.inParallel(length, length, MIN_PARALLEL, range);
    }
}
