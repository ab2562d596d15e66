package dev.condense.models.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A thin singular value decomposition W = U·diag(s)·Vᵀ, in double precision, with the singular values descending.
 *
 * <p>It calls LAPACK's gesvd through ND4J's BLAS wrapper. libnd4j's own {@code svd} op is not used: in 1.0.0-M2.1
 * it crashes or returns wrong shapes. gesvd returns the full U and Vᵀ, and the thin parts are copied out of them.
 *
 * <p>Every decomposition is checked against its matrix, because OpenBLAS 0.3.19 (the one ND4J ships) returns wrong
 * ones with the SkylakeX kernels it picks on AVX-512 CPUs: on a 384×1536 matrix, singular values whose squares do not
 * even sum to ‖W‖²_F, and a reconstruction off by 8.8 (measured on a Sapphire Rapids Xeon; 1e-14 with the Haswell
 * kernels). A wrong factorisation must not be saved as a compressed model, so it fails here, naming the cure.
 *
 * @param u  [m, k] left singular vectors, k = min(m, n) (or the truncated rank)
 * @param s  [k] singular values, descending
 * @param vt [k, n] right singular vectors, as rows
 */
public record Svd(INDArray u, INDArray s, INDArray vt) {

    public static Svd of(INDArray w) {
        if (w.rank() != 2) {
            throw new IllegalArgumentException("SVD needs a matrix, got shape " + java.util.Arrays.toString(w.shape()));
        }
        int m = (int) w.rows();
        int n = (int) w.columns();
        int k = Math.min(m, n);
        INDArray a = w.castTo(DataType.DOUBLE).dup('f');
        INDArray s = Nd4j.create(DataType.DOUBLE, k);
        INDArray u = Nd4j.create(DataType.DOUBLE, new long[] {m, m}, 'f');
        INDArray vt = Nd4j.create(DataType.DOUBLE, new long[] {n, n}, 'f');
        Nd4j.getBlasWrapper().lapack().gesvd(a, s, u, vt);
        Svd svd = new Svd(u.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k)).dup('c'), s.reshape(k).dup('c'),
                vt.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).dup('c'));
        INDArray exact = w.castTo(DataType.DOUBLE);
        double error = svd.reconstruct().subi(exact).norm2Number().doubleValue();
        double scale = exact.norm2Number().doubleValue();
        if (!(error <= 1e-8 * Math.max(scale, Double.MIN_NORMAL))) {
            throw new IllegalStateException(String.format("LAPACK's SVD of a %d×%d matrix is wrong: U·diag(s)·Vᵀ "
                    + "differs from it by %.3g (‖W‖ = %.3g). OpenBLAS's SkylakeX kernels do this on AVX-512 CPUs; "
                    + "start the JVM with OPENBLAS_CORETYPE=Haswell (the launch scripts and executors default to "
                    + "it)", m, n, error, scale));
        }
        return svd;
    }

    public int rank() {
        return (int) s.length();
    }

    /** The best rank-{@code r} approximation (Eckart–Young): the first r singular triplets. */
    public Svd truncate(int r) {
        if (r < 1 || r > rank()) {
            throw new IllegalArgumentException("rank " + r + " is outside 1.." + rank());
        }
        return new Svd(u.get(NDArrayIndex.all(), NDArrayIndex.interval(0, r)).dup('c'),
                s.get(NDArrayIndex.interval(0, r)).dup('c'),
                vt.get(NDArrayIndex.interval(0, r), NDArrayIndex.all()).dup('c'));
    }

    /** U·diag(s)·Vᵀ. */
    public INDArray reconstruct() {
        return u.mulRowVector(s).mmul(vt);
    }

    /**
     * The two factors of a stored U·V product, splitting each singular value evenly: U·diag(√s) and diag(√s)·Vᵀ.
     * The even split gives both factors the same scale, so that one learning rate suits both when they are trained.
     */
    public INDArray[] balancedFactors(DataType dtype) {
        INDArray root = org.nd4j.linalg.ops.transforms.Transforms.sqrt(s, true);
        return new INDArray[] {u.mulRowVector(root).castTo(dtype), vt.mulColumnVector(root.reshape(rank(), 1))
                .castTo(dtype)};
    }
}
