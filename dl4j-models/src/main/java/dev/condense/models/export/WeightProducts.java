package dev.condense.models.export;

import dev.condense.models.state.Tensor;
import onnx.Onnx;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.condense.models.export.OnnxGraph.in;

/**
 * How an exported graph multiplies an activation by a stored [in, out] weight matrix: in float32, or with the weight
 * in INT8 and the activation quantized at run time. Everything else in the graph (embeddings, LayerNorms, softmax,
 * biases) stays float32 either way, as in ONNX Runtime's own dynamic quantization.
 */
abstract sealed class WeightProducts {

    /** Appends x·W to the graph and returns the product's value name. */
    abstract String multiply(OnnxGraph g, String x, String name, Tensor weight);

    static WeightProducts of(Precision precision) {
        return precision == Precision.INT8 ? new DynamicInt8() : new Float32();
    }

    /** A plain {@code MatMul} against a float initializer. */
    static final class Float32 extends WeightProducts {
        @Override
        String multiply(OnnxGraph g, String x, String name, Tensor weight) {
            String w = g.floats(name, weight.data(), weight.shape());
            return g.node("MatMul", "matmul", in(x, w));
        }
    }

    /**
     * Dynamic quantization. Each output column j of W is stored as int8 with its own scale s_j = max_i |W_ij| / 127
     * (symmetric, zero point 0), so one large column does not flatten the others' resolution. At run time
     * {@code DynamicQuantizeLinear} maps the activation to uint8 with a scale and zero point taken from its own range,
     * {@code MatMulInteger} multiplies in integers, and the int32 result times s_x·s_j is the float product. An
     * activation that feeds several products (a layer's query, key and value) is quantized once.
     */
    static final class DynamicInt8 extends WeightProducts {

        /** The largest magnitude of a symmetric int8 weight: -127..127, so negation never overflows. */
        private static final int LEVELS = 127;

        private final Map<String, String[]> quantized = new HashMap<>();

        @Override
        String multiply(OnnxGraph g, String x, String name, Tensor weight) {
            String[] xq = quantized.computeIfAbsent(x, v -> quantize(g, v));
            int rows = (int) weight.shape()[0];
            int cols = (int) weight.shape()[1];
            float[] scales = columnScales(weight.data(), rows, cols);
            byte[] q = new byte[rows * cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    q[i * cols + j] = (byte) Math.round(weight.data()[i * cols + j] / scales[j]);
                }
            }
            String w = g.int8s(name + ".int8", q, rows, cols);
            String zero = g.int8s(name + ".zero_point", new byte[cols], cols);
            String scale = g.floats(name + ".scale", scales, cols);
            String product = g.node("MatMulInteger", "matmul_int", in(xq[0], w, xq[2], zero));
            String asFloat = g.node("Cast", "matmul_float", in(product),
                    OnnxGraph.Attribute.ofInt("to", Onnx.TensorProto.DataType.FLOAT_VALUE));
            String combined = g.node("Mul", "scale", in(xq[1], scale));
            return g.node("Mul", "matmul", in(asFloat, combined));
        }

        private static String[] quantize(OnnxGraph g, String x) {
            String[] out = {g.fresh("x_uint8"), g.fresh("x_scale"), g.fresh("x_zero_point")};
            g.nodeWithOutputs("DynamicQuantizeLinear", List.of(x), List.of(out));
            return out;
        }

        /** s_j = max_i |W_ij| / 127, or 1 for an all-zero column (pruned away; its int8 values are all 0). */
        static float[] columnScales(float[] w, int rows, int cols) {
            float[] max = new float[cols];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    max[j] = Math.max(max[j], Math.abs(w[i * cols + j]));
                }
            }
            float[] scales = new float[cols];
            for (int j = 0; j < cols; j++) {
                scales[j] = max[j] > 0 ? max[j] / LEVELS : 1f;
            }
            return scales;
        }
    }
}
