package dev.condense.models.factor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Hard-concrete gates (Louizos, Welling &amp; Kingma, 2018), the relaxation of L0 that CoFi and learnable-rank SVD
 * use: a gate z ∈ [0, 1] per singular direction with a learned log α, exactly 0 or 1 with positive probability, so
 * that training can switch directions off and the expected number of open gates is differentiable.
 *
 * <p>With u ~ U(0, 1): s = σ((ln u − ln(1 − u) + log α) / β), stretched to s̄ = s·(ζ − γ) + γ and clipped,
 * z = min(1, max(0, s̄)). P(z ≠ 0) = σ(log α − β·ln(−γ/ζ)). At the end of training the gates become fixed:
 * {@link #deterministic} is the usual rule, and {@link #expected} the mean gate E[z] that training averaged over.
 *
 * @param beta  the temperature β (2/3 in the paper)
 * @param gamma the lower stretch limit γ &lt; 0 (−0.1)
 * @param zeta  the upper stretch limit ζ &gt; 1 (1.1)
 */
public record HardConcrete(double beta, double gamma, double zeta) implements java.io.Serializable {

    public static final HardConcrete DEFAULT = new HardConcrete(2.0 / 3.0, -0.1, 1.1);

    public HardConcrete {
        if (!(beta > 0) || !(gamma < 0) || !(zeta > 1)) {
            throw new IllegalArgumentException("hard-concrete needs beta > 0, gamma < 0 < 1 < zeta; got beta " + beta
                    + ", gamma " + gamma + ", zeta " + zeta);
        }
    }

    /** A training sample: the gates z and ∂z/∂log α (0 where the clip is active). */
    public record Sample(INDArray z, INDArray dzdLogAlpha) {
    }

    /** @param u uniform noise in (0, 1), one entry per gate */
    public Sample sample(INDArray logAlpha, INDArray u) {
        INDArray noise = Transforms.log(u, true).subi(Transforms.log(u.rsub(1.0), false));
        INDArray s = Transforms.sigmoid(noise.addi(logAlpha).divi(beta), false);
        INDArray stretched = s.mul(zeta - gamma).addi(gamma);
        INDArray z = Transforms.min(Transforms.max(stretched, 0.0, true), 1.0, false);
        // ∂s̄/∂log α = (ζ − γ)·s·(1 − s)/β inside the clip
        INDArray inside = stretched.gt(0.0).castTo(s.dataType()).muli(stretched.lt(1.0).castTo(s.dataType()));
        INDArray grad = s.mul(s.rsub(1.0)).muli((zeta - gamma) / beta).muli(inside);
        return new Sample(z, grad);
    }

    /** P(z ≠ 0) per gate: what the expected L0 norm sums. */
    public INDArray openProbability(INDArray logAlpha) {
        return Transforms.sigmoid(logAlpha.sub(beta * Math.log(-gamma / zeta)), false);
    }

    /** ∂P(z ≠ 0)/∂log α per gate. */
    public INDArray openProbabilityGradient(INDArray logAlpha) {
        INDArray p = openProbability(logAlpha);
        return p.mul(p.rsub(1.0));
    }

    /**
     * E[z] per gate, by the midpoint rule over 256 quantiles of u: z is a monotone function of u, so the quantile
     * grid integrates it with an error below 1e-3. A projection computes U·diag(z)·V, linear in z, so with the gates
     * fixed at E[z] it computes the mean of what it computed during training.
     */
    public INDArray expected(INDArray logAlpha) {
        int n = 256;
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, logAlpha.length());
        INDArray la = logAlpha.castTo(DataType.DOUBLE).reshape(logAlpha.length());
        for (int i = 0; i < n; i++) {
            double u = (i + 0.5) / n;
            INDArray s = Transforms.sigmoid(la.add(Math.log(u) - Math.log(1 - u)).divi(beta), false);
            INDArray stretched = s.muli(zeta - gamma).addi(gamma);
            sum.addi(Transforms.min(Transforms.max(stretched, 0.0, false), 1.0, false));
        }
        return sum.divi(n).reshape(logAlpha.shape());
    }

    /** The gates used after training: deterministic, exactly 0 for switched-off directions. */
    public INDArray deterministic(INDArray logAlpha) {
        INDArray stretched = Transforms.sigmoid(logAlpha, true).muli(zeta - gamma).addi(gamma);
        return Transforms.min(Transforms.max(stretched, 0.0, false), 1.0, false);
    }
}
