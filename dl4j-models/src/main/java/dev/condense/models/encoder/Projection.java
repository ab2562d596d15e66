package dev.condense.models.encoder;

import dev.condense.models.nn.ColumnSums;
import dev.condense.models.nn.Linear;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One affine projection of a layer, stored either dense (y = x·W + b) or as two factors (y = (x·U)·V + b, see
 * {@link ParameterNames#factorU}). The factorised form is what truncated SVD leaves behind: two thin GEMMs whose cost
 * is rank·(in + out) per row instead of in·out. A factorised projection may add a sparse residual S on a subset of
 * its input rows (LoSparse, see {@link EncoderSpec#residualRows}): y = (x·U)·V + x[:, rows]·S + b.
 */
final class Projection {

    private final String weight;
    private final String bias;
    private final boolean factorised;
    /** The residual's input rows; null without a residual, empty when it keeps every row (no gather needed). */
    private final int[] residualRows;

    /** @param prefix the projection's name prefix, such as {@code layer.0.ffn.in.} */
    Projection(String prefix, EncoderSpec spec) {
        this.weight = prefix + "weight";
        this.bias = prefix + "bias";
        this.factorised = spec.rank(weight) > 0;
        this.residualRows = residualRows(spec, weight);
    }

    private static int[] residualRows(EncoderSpec spec, String weight) {
        List<Integer> rows = spec.residualRows(weight);
        if (rows == null) {
            return null;
        }
        return spec.residualKeepsEveryRow(weight) ? new int[0] : rows.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * The output; for a factorised projection also its inner activations x·U and the gate z applied to them (null
     * when ungated), which its backward pass reads.
     */
    record Output(INDArray y, INDArray inner, INDArray gate) {
    }

    /** @param gates gate vectors by dense weight name; a factorised projection with one computes (x·U)·diag(z)·V */
    Output forward(INDArray x, Map<String, INDArray> w, Map<String, INDArray> gates) {
        if (!factorised) {
            return new Output(Linear.forward(x, w.get(weight), w.get(bias)), null, null);
        }
        INDArray inner = Nd4j.gemm(x, w.get(ParameterNames.factorU(weight)), false, false);
        INDArray z = gates.get(weight);
        INDArray gated = z == null ? inner : inner.mulRowVector(z);
        INDArray y = Linear.forward(gated, w.get(ParameterNames.factorV(weight)), w.get(bias));
        if (residualRows != null) {
            Nd4j.gemm(residualInput(x), w.get(weight), y, false, false, 1.0, 1.0);
        }
        return new Output(y, inner, z);
    }

    /** The residual's input: x itself, or its columns at the kept rows (a native gather). */
    private INDArray residualInput(INDArray x) {
        return residualRows.length == 0 ? x : Nd4j.pullRows(x, 0, residualRows);
    }

    /**
     * Accumulates the gradients of the stored weights (and of a gate, under {@link ParameterNames#gate}) via
     * {@code grad} and returns dx.
     */
    INDArray backward(INDArray x, Output out, INDArray dy, Map<String, INDArray> w,
                      Function<String, INDArray> grad) {
        if (!factorised) {
            return Linear.backward(x, w.get(weight), dy, grad.apply(weight), grad.apply(bias), true);
        }
        String u = ParameterNames.factorU(weight);
        INDArray z = out.gate();
        INDArray gated = z == null ? out.inner() : out.inner().mulRowVector(z);
        INDArray dInner = Linear.backward(gated, w.get(ParameterNames.factorV(weight)), dy,
                grad.apply(ParameterNames.factorV(weight)), grad.apply(bias), true);
        if (z != null) {
            INDArray dGate = grad.apply(ParameterNames.gate(weight));
            if (dGate != null) {
                ColumnSums.accumulate(dInner.mul(out.inner()), dGate);
            }
            dInner.muliRowVector(z);
        }
        INDArray dx = Linear.backward(x, w.get(u), dInner, grad.apply(u), null, true);
        if (residualRows != null) {
            INDArray dResidualInput = Linear.backward(residualInput(x), w.get(weight), dy, grad.apply(weight), null,
                    true);
            if (residualRows.length == 0) {
                dx.addi(dResidualInput);
            } else {
                // a column at a time: compacted residuals come from shrinking, which ends training, so this
                // scatter serves gradient checks and occasional fine-tuning rather than the hot loop
                for (int i = 0; i < residualRows.length; i++) {
                    dx.getColumn(residualRows[i]).addi(dResidualInput.getColumn(i));
                }
            }
        }
        return dx;
    }

    /** A projection of a block that kept no heads or neurons: its output is its bias on every row. */
    static INDArray biasOnly(INDArray x, INDArray bias) {
        return Nd4j.zeros(x.dataType(), x.rows(), bias.length()).addiRowVector(bias.reshape(1, bias.length()));
    }

    /** The bias gradient of {@link #biasOnly}: the column sums of dy. */
    static void biasOnlyBackward(INDArray dy, INDArray dBias) {
        if (dBias != null) {
            ColumnSums.accumulate(dy, dBias);
        }
    }
}
