package dev.condense.models.export;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.util.List;

import static dev.condense.models.export.OnnxGraph.Attribute.ofFloat;
import static dev.condense.models.export.OnnxGraph.Attribute.ofInt;
import static dev.condense.models.export.OnnxGraph.in;

/**
 * The encoder's building blocks as ONNX nodes, each computing what the ND4J engine's block computes: affine
 * projections (dense, factorised, with a sparse residual), LayerNorm (over all or only the kept hidden dimensions),
 * the exact GELU. One instance serves one model's export.
 */
final class GraphOps {

    final OnnxGraph g;
    final EncoderSpec spec;
    private final Operators operators;
    private final TensorMap weights;
    private final WeightProducts products;
    /** The kept hidden dimensions (0/1) of a model whose hidden dimensions are pruned but not removed; or null. */
    private final String keep;
    private final float keptCount;

    GraphOps(OnnxGraph g, EncoderSpec spec, TensorMap weights, WeightProducts products, Operators operators) {
        this.g = g;
        this.spec = spec;
        this.operators = operators;
        this.weights = weights;
        this.products = products;
        if (weights.contains(ParameterNames.HIDDEN_KEEP)) {
            Tensor k = weights.get(ParameterNames.HIDDEN_KEEP);
            this.keep = g.floats(ParameterNames.HIDDEN_KEEP, k.data(), k.shape());
            float n = 0;
            for (float v : k.data()) {
                n += v;
            }
            this.keptCount = n;
        } else {
            this.keep = null;
            this.keptCount = 0;
        }
    }

    /** A stored weight's values. */
    Tensor tensor(String name) {
        return weights.get(name);
    }

    /** A stored float weight as an initializer under its Condense name. */
    String weight(String name) {
        Tensor t = weights.get(name);
        return g.floats(name, t.data(), t.shape());
    }

    String add(String a, String b) {
        return g.node("Add", "add", in(a, b));
    }

    String mul(String a, String b) {
        return g.node("Mul", "mul", in(a, b));
    }

    /**
     * The projection under {@code prefix} (such as {@code layer.0.ffn.in.}) applied to x: x·W + b, or (x·U)·V + b for a
     * factorised matrix, plus x[..., rows]·S when it keeps a sparse residual.
     */
    String project(String x, String prefix) {
        return add(product(x, prefix), weight(prefix + "bias"));
    }

    /** {@link #project} without its bias: x·W, or (x·U)·V (+ x[..., rows]·S). */
    String product(String x, String prefix) {
        String name = prefix + "weight";
        if (spec.rank(name) == 0) {
            return products.multiply(g, x, name, weights.get(name));
        }
        String u = ParameterNames.factorU(name);
        String v = ParameterNames.factorV(name);
        String inner = products.multiply(g, x, u, weights.get(u));
        String y = products.multiply(g, inner, v, weights.get(v));
        List<Integer> rows = spec.residualRows(name);
        if (rows != null) {
            String residualInput = spec.residualKeepsEveryRow(name) ? x
                    : g.node("Gather", "residual_rows", in(x, g.vector("rows",
                    rows.stream().mapToLong(Integer::longValue).toArray())), ofInt("axis", -1L));
            y = add(y, products.multiply(g, residualInput, name, weights.get(name)));
        }
        return y;
    }

    /**
     * LayerNorm(product + bias + residual): the end of a block. With ONNX Runtime's operators and every hidden
     * dimension kept, one {@code SkipLayerNormalization} pass instead of two adds and a LayerNorm.
     */
    String biasResidualNorm(String product, String biasName, String residual, String gammaName, String betaName) {
        if (operators == Operators.ONNX_RUNTIME && keep == null) {
            return g.microsoftNode("SkipLayerNormalization", "skip_norm", in(product, residual, weight(gammaName),
                    weight(betaName), weight(biasName)), ofFloat("epsilon", (float) spec.layerNormEps()));
        }
        return layerNorm(add(add(product, weight(biasName)), residual), gammaName, betaName);
    }

    /** GELU(product + bias): with ONNX Runtime's operators one {@code BiasGelu} pass (the exact, erf GELU). */
    String biasGelu(String product, String biasName) {
        if (operators == Operators.ONNX_RUNTIME) {
            return g.microsoftNode("BiasGelu", "bias_gelu", in(product, weight(biasName)));
        }
        return gelu(add(product, weight(biasName)));
    }

    /** A float32 x·W + b whatever the precision (the classifier: small, and where rounding shows first). */
    String classify(String x) {
        String product = new WeightProducts.Float32().multiply(g, x, ParameterNames.CLASSIFIER_WEIGHT,
                weights.get(ParameterNames.CLASSIFIER_WEIGHT));
        return add(product, weight(ParameterNames.CLASSIFIER_BIAS));
    }

    /**
     * LayerNorm over the last axis. With pruned hidden dimensions the statistics cover the kept ones only and the
     * pruned ones output 0, exactly as the engine's masked LayerNorm, so the exported model is the pruned model.
     */
    String layerNorm(String x, String gammaName, String betaName) {
        String gamma = weight(gammaName);
        String beta = weight(betaName);
        if (keep == null) {
            return g.node("LayerNormalization", "norm", in(x, gamma, beta), ofInt("axis", -1L),
                    ofFloat("epsilon", (float) spec.layerNormEps()));
        }
        String lastAxis = g.vector("last_axis", -1L);
        String inverseCount = g.scalar("inverse_kept", 1f / keptCount);
        String mean = mul(g.node("ReduceSum", "kept_sum", in(mul(x, keep), lastAxis), ofInt("keepdims", 1L)),
                inverseCount);
        String centered = mul(g.node("Sub", "centered", in(x, mean)), keep);
        String variance = mul(g.node("ReduceSum", "kept_square_sum", in(mul(centered, centered), lastAxis),
                ofInt("keepdims", 1L)), inverseCount);
        String std = g.node("Sqrt", "std", in(add(variance, g.scalar("eps", (float) spec.layerNormEps()))));
        String normalized = g.node("Div", "normalized", in(centered, std));
        return mul(add(mul(normalized, gamma), beta), keep);
    }

    /** The exact GELU, x·½(1 + erf(x/√2)), as BERT and the engine compute it (not the tanh approximation). */
    String gelu(String x) {
        String scaled = mul(x, g.scalar("inv_sqrt2", (float) (1 / Math.sqrt(2))));
        String cdf = mul(add(g.node("Erf", "erf", in(scaled)), g.scalar("one", 1f)), g.scalar("half", 0.5f));
        return mul(x, cdf);
    }
}
