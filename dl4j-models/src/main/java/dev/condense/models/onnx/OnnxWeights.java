package dev.condense.models.onnx;

import dev.condense.models.encoder.EncoderSpec;
import dev.condense.models.encoder.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import onnx.Onnx;
import org.nd4j.shade.protobuf.CodedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face BERT-family encoder exported to ONNX into Condense's weight names. DL4J's ONNX importer
 * fails on this graph, so only the initializers are read. Named initializers (biases, LayerNorms, embeddings)
 * map by their PyTorch names; the projection matrices are anonymous ({@code onnx::MatMul_NNN}) and are found
 * through the MatMul node that consumes them, whose name carries the module path.
 */
public final class OnnxWeights {

    private static final int MAX_MODEL_BYTES = 1 << 30;

    private OnnxWeights() {
    }

    /** The encoder weights of the model (everything but the classifier head), checked against {@code spec}. */
    public static TensorMap readEncoder(InputStream onnx, EncoderSpec spec) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(onnx);
        coded.setSizeLimit(MAX_MODEL_BYTES);
        Onnx.GraphProto graph = Onnx.ModelProto.parseFrom(coded).getGraph();

        Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        for (Onnx.TensorProto t : graph.getInitializerList()) {
            initializers.put(t.getName(), t);
        }
        Map<String, String> matmulWeight = new HashMap<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            if ("MatMul".equals(node.getOpType()) && node.getInputCount() == 2
                    && initializers.containsKey(node.getInput(1))) {
                matmulWeight.put(node.getName(), node.getInput(1));
            }
        }

        TensorMap out = new TensorMap();
        for (ParameterNames.Shaped s : ParameterNames.all(spec)) {
            if (s.name().startsWith("classifier.")) {
                continue;
            }
            String source = onnxName(s.name(), matmulWeight);
            Onnx.TensorProto proto = initializers.get(source);
            if (proto == null) {
                throw new IOException("ONNX model has no initializer '" + source + "' for weight '" + s.name() + "'");
            }
            Tensor t = toTensor(proto);
            if (!Arrays.equals(t.shape(), s.shape())) {
                throw new IOException("ONNX initializer '" + source + "' has shape " + Arrays.toString(t.shape())
                        + ", weight '" + s.name() + "' needs " + Arrays.toString(s.shape()));
            }
            out.put(s.name(), t);
        }
        return out;
    }

    /** Condense name → ONNX initializer name. */
    static String onnxName(String name, Map<String, String> matmulWeight) {
        List<String> parts = List.of(name.split("\\."));
        if (parts.get(0).equals("embeddings")) {
            return switch (name) {
                case ParameterNames.WORD_EMBEDDINGS -> "embeddings.word_embeddings.weight";
                case ParameterNames.POSITION_EMBEDDINGS -> "embeddings.position_embeddings.weight";
                case ParameterNames.TYPE_EMBEDDINGS -> "embeddings.token_type_embeddings.weight";
                case ParameterNames.EMBEDDING_NORM_GAMMA -> "embeddings.LayerNorm.weight";
                case ParameterNames.EMBEDDING_NORM_BETA -> "embeddings.LayerNorm.bias";
                default -> throw new IllegalArgumentException("unknown embedding weight " + name);
            };
        }
        String layer = "encoder.layer." + parts.get(1) + ".";
        String module = switch (parts.get(2) + "." + parts.get(3)) {
            case "attention.query" -> "attention.self.query";
            case "attention.key" -> "attention.self.key";
            case "attention.value" -> "attention.self.value";
            case "attention.output" -> "attention.output.dense";
            case "attention.norm" -> "attention.output.LayerNorm";
            case "ffn.in" -> "intermediate.dense";
            case "ffn.out" -> "output.dense";
            case "ffn.norm" -> "output.LayerNorm";
            default -> throw new IllegalArgumentException("unknown layer weight " + name);
        };
        return switch (parts.get(4)) {
            case "bias", "beta" -> layer + module + ".bias";
            case "gamma" -> layer + module + ".weight";
            case "weight" -> {
                String node = "/" + (layer + module).replace('.', '/').replace("layer/", "layer.") + "/MatMul";
                String init = matmulWeight.get(node);
                if (init == null) {
                    throw new IllegalArgumentException("ONNX graph has no MatMul node '" + node + "' for " + name);
                }
                yield init;
            }
            default -> throw new IllegalArgumentException("unknown layer weight " + name);
        };
    }

    private static Tensor toTensor(Onnx.TensorProto proto) throws IOException {
        if (proto.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
            throw new IOException("initializer '" + proto.getName() + "' is not float32");
        }
        long[] shape = proto.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[Math.toIntExact(n)];
        if (!proto.getRawData().isEmpty()) {
            ByteBuffer raw = proto.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            raw.asFloatBuffer().get(data);
        } else {
            for (int i = 0; i < data.length; i++) {
                data[i] = proto.getFloatData(i);
            }
        }
        return new Tensor(shape, data);
    }
}
