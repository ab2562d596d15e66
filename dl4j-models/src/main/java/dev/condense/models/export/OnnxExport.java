package dev.condense.models.export;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes any model Condense holds (dense, pruned, shrunk, factorised, LoSparse, speech) as a self-contained ONNX
 * graph that ONNX Runtime or any other ONNX engine runs: the inputs and outputs of {@link EncoderGraph}, weights as
 * initializers, opset {@value OnnxGraph#OPSET}. The graph computes the ND4J engine's function (the tests compare
 * logits within 1e-4), with the label names and input conventions in the model's metadata:
 * {@value #LABELS} (a JSON array, index = class), {@value #KIND} ({@code text}, {@code speech} or {@code ctc}),
 * {@value #POOLING}, {@value #PRECISION} and {@value #OPERATORS} ({@code standard} or {@code onnx_runtime}, see
 * {@link Operators}).
 */
public final class OnnxExport {

    public static final String LABELS = "condense.labels";
    public static final String KIND = "condense.kind";
    public static final String POOLING = "condense.pooling";
    public static final String PRECISION = "condense.precision";
    public static final String OPERATORS = "condense.operators";

    private OnnxExport() {
    }

    /**
     * @param labels the class names in index order (for CTC, the output symbols, blank first); one per logit
     */
    public static byte[] toBytes(ModelState model, Precision precision, Operators operators, List<String> labels,
                                 String version) {
        EncoderSpec spec = model.spec();
        if (labels.size() != spec.numLabels()) {
            throw new IllegalArgumentException("the model has " + spec.numLabels() + " outputs but " + labels.size()
                    + " label names were given: " + labels);
        }
        OnnxGraph graph = new OnnxGraph("condense_" + kind(spec));
        new EncoderGraph(new GraphOps(graph, spec, model.weights(), WeightProducts.of(precision), operators)).build();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(LABELS, jsonArray(labels));
        metadata.put(KIND, kind(spec));
        metadata.put(POOLING, spec.pooling().name().toLowerCase(java.util.Locale.ROOT));
        metadata.put(PRECISION, precision.name().toLowerCase(java.util.Locale.ROOT));
        metadata.put(OPERATORS, operators.name().toLowerCase(java.util.Locale.ROOT));
        return graph.model(version, metadata).toByteArray();
    }

    public static void write(ModelState model, Precision precision, Operators operators, List<String> labels,
                             String version, OutputStream out) throws IOException {
        out.write(toBytes(model, precision, operators, labels, version));
    }

    private static String kind(EncoderSpec spec) {
        if (!spec.isSpeech()) {
            return "text";
        }
        return spec.speech().ctc() ? "ctc" : "speech";
    }

    static String jsonArray(List<String> values) {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < values.size(); i++) {
            json.append(i == 0 ? "\"" : ",\"");
            for (char c : values.get(i).toCharArray()) {
                switch (c) {
                    case '"' -> json.append("\\\"");
                    case '\\' -> json.append("\\\\");
                    default -> {
                        if (c < 0x20) {
                            json.append(String.format("\\u%04x", (int) c));
                        } else {
                            json.append(c);
                        }
                    }
                }
            }
            json.append('"');
        }
        return json.append(']').toString();
    }
}
