package dev.condense.models.prune;

import dev.condense.models.nn.Svd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.SplittableRandom;

/**
 * ‖W‖_* (the sum of singular values) and its gradient at a cost quadratic in the matrix size: what the nuclear-norm
 * regulariser λ·Σ‖W‖_* needs, where an exact SVD of every encoder matrix at every step would be cubic.
 *
 * <p>The gradient ({@link #subgradient}) is the polar factor U·Vᵀ of W, which moves every singular value down by the
 * same amount (that is what drives the small ones to zero). Randomized subspace iteration (Halko, Martinsson &amp;
 * Tropp, 2011) gives the top k singular triplets, warm-started from the previous step's right basis B [n, k], which
 * changes little between steps, so that one iteration per step suffices: Q = orth(W·B), B' = orth(Wᵀ·Q), and the SVD
 * of the small Qᵀ·W·B' [k, k] gives σ₁..σ_k, U_k = Q·U_c and V_k = B'·V_c. Those directions enter exactly, as
 * U_k·V_kᵀ. The tail R = W − U_k·Σ_k·V_kᵀ enters as R·√t / ‖R‖_F for its t = min(m, n) − k directions: its exact
 * polar factor when the tail's singular values are equal, and otherwise a weight σ_i / rms(σ_tail) on each tail
 * direction instead of 1, with the same total size √t. U_k·V_kᵀ alone would shrink only the dominant directions,
 * which flattens the spectrum: the opposite of what the regulariser is for. Cost O(m·n·k) for the products and
 * O((m + n)·k²) for the thin orthonormalisations; exact when rank W ≤ k (the tail is then zero).
 *
 * <p>The value ({@link #estimate}): stochastic Lanczos quadrature (Ubaru, Chen &amp; Saad, 2017) of
 * tr((WᵀW)^½) = ‖W‖_*, W taken so that WᵀW is the smaller Gram matrix: for each of p Rademacher probes v, s Lanczos steps on WᵀW from v/‖v‖ give a tridiagonal T
 * with eigenpairs (θ_j, y_j), and n·Σ_j y_j[0]²·√θ_j estimates vᵀ(WᵀW)^½v·n/‖v‖²; the probes are averaged. Cost
 * O(p·s·m·n), for reports rather than every step. Measured on MiniLM's matrices with s = 40: within 3% of the
 * exact norm with p = 8 at full rank; the probes' relative variance grows as the rank falls (rank 100 of 384:
 * within 5% with p = 32). Deflating the top directions first (Hutch++) would tighten that; not done yet.
 */
public final class NuclearNorm {

    private NuclearNorm() {
    }

    /**
     * The regulariser λ·Σ‖W‖_*, added once per step to the batch's summed loss, over the matrices a stage selects;
     * its gradient uses the top {@code rank} directions of each matrix. λ = 0 turns it off.
     */
    public record Penalty(double lambda, int rank) implements java.io.Serializable {
        public static final Penalty OFF = new Penalty(0, 1);

        public Penalty {
            if (!(lambda >= 0) || rank < 1) {
                throw new IllegalArgumentException("nuclear-norm lambda must be >= 0 and rank >= 1, got " + lambda
                        + " and " + rank);
            }
        }

        public boolean on() {
            return lambda > 0;
        }
    }

    /**
     * @param topSum   Σ_{i≤k} σ_i
     * @param gradient U_k·V_kᵀ + √t·R/‖R‖_F [m, n] (see the class comment), in W's data type
     * @param basis    the right basis B' [n, k] to warm-start the next call with
     */
    public record Subgradient(double topSum, INDArray gradient, INDArray basis) {
    }

    /**
     * @param basis      the previous call's right basis, or null to start from a random one
     * @param iterations subspace iterations (1 with a warm start; 3-4 from a random start)
     */
    public static Subgradient subgradient(INDArray w, int k, INDArray basis, int iterations, long seed) {
        INDArray a = w.castTo(DataType.DOUBLE);
        int n = (int) a.columns();
        int rank = (int) Math.min(a.rows(), n);
        if (k < 1 || k > rank) {
            throw new IllegalArgumentException("k " + k + " is outside 1.." + rank);
        }
        INDArray b = basis != null ? basis.castTo(DataType.DOUBLE) : gaussian(n, k, seed);
        INDArray q = null;
        for (int i = 0; i < Math.max(1, iterations); i++) {
            q = orthonormalColumns(a.mmul(b));
            b = orthonormalColumns(a.transpose().mmul(q));
        }
        Svd small = Svd.of(q.transpose().mmul(a).mmul(b));
        double tolerance = small.s().getDouble(0) * 1e-10;
        int kept = 0;
        while (kept < small.rank() && small.s().getDouble(kept) > tolerance) {
            kept++;
        }
        Svd top = small.truncate(Math.max(1, kept));
        INDArray uk = q.mmul(top.u());
        INDArray vk = b.mmul(top.vt().transpose());
        INDArray gradient = uk.mmul(vk.transpose());
        INDArray tail = a.sub(uk.mulRowVector(top.s()).mmul(vk.transpose()));
        double tailNorm = tail.norm2Number().doubleValue();
        int tailDirections = rank - top.rank();
        if (tailDirections > 0 && tailNorm > 1e-9 * top.s().getDouble(0)) {
            gradient.addi(tail.muli(Math.sqrt(tailDirections) / tailNorm));
        }
        return new Subgradient(top.s().sumNumber().doubleValue(), gradient.castTo(w.dataType()), b);
    }

    /** Stochastic Lanczos quadrature of ‖W‖_* with {@code probes} probes of {@code steps} Lanczos steps each. */
    public static double estimate(INDArray w, int probes, int steps, long seed) {
        // the Gram matrix of the shorter side has no zero eigenvalues from the shape, where √ is least smooth
        INDArray a = w.rows() < w.columns() ? w.transpose().castTo(DataType.DOUBLE) : w.castTo(DataType.DOUBLE);
        int n = (int) a.columns();
        int s = Math.min(steps, n);
        SplittableRandom random = new SplittableRandom(seed);
        double sum = 0;
        for (int p = 0; p < probes; p++) {
            double[] signs = new double[n];
            for (int i = 0; i < n; i++) {
                signs[i] = random.nextBoolean() ? 1 : -1;
            }
            INDArray v = Nd4j.createFromArray(signs).reshape(n, 1).divi(Math.sqrt(n));
            INDArray basis = Nd4j.zeros(DataType.DOUBLE, n, s);
            double[] alpha = new double[s];
            double[] beta = new double[s];
            int used = 0;
            for (int j = 0; j < s; j++) {
                basis.putColumn(j, v);
                INDArray z = a.transpose().mmul(a.mmul(v));
                alpha[j] = v.transpose().mmul(z).getDouble(0);
                // full re-orthogonalisation against every earlier Lanczos vector keeps T accurate in floating point
                INDArray previous = basis.getColumns(java.util.stream.IntStream.rangeClosed(0, j).toArray());
                z.subi(previous.mmul(previous.transpose().mmul(z)));
                used = j + 1;
                double norm = z.norm2Number().doubleValue();
                if (j + 1 == s || norm < 1e-12) {
                    break;
                }
                beta[j] = norm;
                v = z.divi(norm);
            }
            INDArray t = Nd4j.zeros(DataType.DOUBLE, used, used);
            for (int j = 0; j < used; j++) {
                t.putScalar(j, j, alpha[j]);
                if (j + 1 < used) {
                    t.putScalar(j, j + 1, beta[j]);
                    t.putScalar(j + 1, j, beta[j]);
                }
            }
            // T is symmetric positive semi-definite: its SVD is its eigendecomposition
            Svd eig = Svd.of(t);
            double quad = 0;
            for (int j = 0; j < eig.rank(); j++) {
                double first = eig.u().getDouble(0, j);
                quad += first * first * Math.sqrt(Math.max(0, eig.s().getDouble(j)));
            }
            sum += n * quad;
        }
        return sum / probes;
    }

    /** The exact ‖W‖_*, through a full SVD: for tests and reports, not for every step. */
    public static double exact(INDArray w) {
        return Svd.of(w).s().sumNumber().doubleValue();
    }

    /**
     * An orthonormal basis of the column space of a thin Y [m, k], through its k×k Gram matrix:
     * YᵀY = V·diag(s²)·Vᵀ gives Q = Y·V·diag(1/s). This costs O(m·k²), where {@link Svd#of} on Y would also compute
     * a full m×m U (LAPACK's gesvd is asked for all of it), which on every step of every matrix is the larger cost.
     * Directions with s below 1e-7 of the largest are dropped: Y has no such directions unless W's rank is below k.
     */
    static INDArray orthonormalColumns(INDArray y) {
        Svd gram = Svd.of(y.transpose().mmul(y));
        double largest = Math.sqrt(gram.s().getDouble(0));
        int kept = 0;
        while (kept < gram.rank() && Math.sqrt(gram.s().getDouble(kept)) > largest * 1e-7) {
            kept++;
        }
        Svd top = gram.truncate(Math.max(1, kept));
        INDArray inverseRoot = org.nd4j.linalg.ops.transforms.Transforms.sqrt(top.s(), true).rdivi(1.0);
        return y.mmul(top.u()).muliRowVector(inverseRoot);
    }

    private static INDArray gaussian(int rows, int cols, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[rows * cols];
        for (int i = 0; i < values.length; i++) {
            double u1 = random.nextDouble(1e-12, 1);
            values[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random.nextDouble());
        }
        return Nd4j.createFromArray(values).reshape(rows, cols);
    }
}
