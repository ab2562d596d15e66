package dev.condense.models.onnx;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Pooling;
import dev.condense.models.state.TensorMap;
import onnx.Onnx;
import org.nd4j.shade.protobuf.CodedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads a BERT-family encoder exported to ONNX (as Hugging Face's exporters write it: all-MiniLM-L6-v2, BAAI's bge
 * models, BERT itself) into a Condense spec and weights, by the graph's structure rather than by names. The word,
 * segment and position tables are the {@code Gather}s of {@code input_ids}, {@code token_type_ids} and the rest; each
 * layer is six {@code MatMul}s against weights: three that share the layer's input (query, key and value, told apart
 * by where they enter the attention products), then the attention output, the FFN's two. Biases are the
 * {@code Add}s right after them; LayerNorms are found downstream of each block (fused, or as the decomposed
 * mean/variance graph with a scale and a shift). The head size comes from the attention scores' scaling constant.
 * A graph that is not such an encoder is refused with a message naming what is missing.
 */
public final class EncoderImport {

    private static final int MAX_MODEL_BYTES = Integer.MAX_VALUE;
    /** How far downstream of a block its LayerNorm's scale may be: the decomposed form is about ten nodes. */
    private static final int NORM_SEARCH_DEPTH = 14;

    private final GraphIndex graph;

    private EncoderImport(GraphIndex graph) {
        this.graph = graph;
    }

    /** The encoder's spec (with {@code numLabels} outputs and the given pooling) and weights, without a head. */
    public record Encoder(EncoderSpec spec, TensorMap weights) {
    }

    public static Encoder read(InputStream onnx, Pooling pooling, int numLabels) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(onnx);
        coded.setSizeLimit(MAX_MODEL_BYTES);
        Onnx.ModelProto model;
        try {
            model = Onnx.ModelProto.parseFrom(coded);
        } catch (IOException e) {
            throw new IOException("not an ONNX model: " + e.getMessage(), e);
        }
        return new EncoderImport(new GraphIndex(model.getGraph())).encoder(pooling, numLabels);
    }

    private Encoder encoder(Pooling pooling, int numLabels) throws IOException {
        for (String input : List.of("input_ids", "token_type_ids")) {
            if (!graph.hasInput(input)) {
                throw notAnEncoder("a graph input named '" + input + "'");
            }
        }
        String word = table("input_ids").orElseThrow(() -> notAnEncoder("a Gather of an embedding table by "
                + "input_ids"));
        String type = table("token_type_ids").orElseThrow(() -> notAnEncoder("a Gather of an embedding table by "
                + "token_type_ids"));
        int hidden = (int) graph.shape(word)[1];
        String position = positionTable(word, type, hidden).orElseThrow(() -> notAnEncoder(
                "a position embedding table (a Gather of a [positions, " + hidden + "] weight)"));

        List<Onnx.NodeProto> projections = new ArrayList<>(graph.nodes().stream().filter(n -> n.getOpType()
                .equals("MatMul") && n.getInputCount() == 2 && graph.isWeight(n.getInput(1))
                && graph.shape(n.getInput(1)).length == 2).toList());
        // a classifier head after the last layer (a graph Condense exported) is not part of the encoder
        while (projections.size() % 6 != 0 && !projections.isEmpty() && isHead(projections.get(projections.size() - 1),
                hidden)) {
            projections.remove(projections.size() - 1);
        }
        if (projections.isEmpty() || projections.size() % 6 != 0) {
            throw notAnEncoder("six weight MatMuls per layer (found " + projections.size() + ")");
        }
        int layers = projections.size() / 6;
        int ffn = (int) graph.shape(projections.get(4).getInput(1))[1];

        TensorMap w = new TensorMap();
        w.put(ParameterNames.WORD_EMBEDDINGS, graph.tensor(word));
        w.put(ParameterNames.TYPE_EMBEDDINGS, graph.tensor(type));
        w.put(ParameterNames.POSITION_EMBEDDINGS, graph.tensor(position));
        Onnx.NodeProto wordGather = graph.consumers(word).get(0);
        double eps = norm(wordGather.getOutput(0), ParameterNames.EMBEDDING_NORM_GAMMA,
                ParameterNames.EMBEDDING_NORM_BETA, hidden, w, "the embeddings");
        int headSize = 0;
        for (int l = 0; l < layers; l++) {
            List<Onnx.NodeProto> block = projections.subList(6 * l, 6 * l + 6);
            Onnx.NodeProto[] qkv = attentionRoles(block.subList(0, 3), l);
            headSize = headSize(qkv[0], l);
            String[] prefixes = {ParameterNames.query(l, ""), ParameterNames.key(l, ""), ParameterNames.value(l, ""),
                    ParameterNames.attentionOutput(l, ""), ParameterNames.ffnIn(l, ""), ParameterNames.ffnOut(l, "")};
            Onnx.NodeProto[] ordered = {qkv[0], qkv[1], qkv[2], block.get(3), block.get(4), block.get(5)};
            for (int p = 0; p < 6; p++) {
                w.put(prefixes[p] + "weight", graph.tensor(ordered[p].getInput(1)));
                w.put(prefixes[p] + "bias", graph.tensor(bias(ordered[p], l)));
            }
            norm(block.get(3).getOutput(0), ParameterNames.attentionNorm(l, "gamma"),
                    ParameterNames.attentionNorm(l, "beta"), hidden, w, "layer " + l + "'s attention block");
            norm(block.get(5).getOutput(0), ParameterNames.ffnNorm(l, "gamma"), ParameterNames.ffnNorm(l, "beta"),
                    hidden, w, "layer " + l + "'s feed-forward block");
        }
        requireExactGelu();
        if (hidden % headSize != 0) {
            throw notAnEncoder("a head size that divides the hidden width " + hidden + " (the attention scaling "
                    + "gives " + headSize + ")");
        }
        EncoderSpec spec = new EncoderSpec((int) graph.shape(word)[0], (int) graph.shape(position)[0],
                (int) graph.shape(type)[0], hidden, layers, hidden / headSize, ffn, eps, numLabels)
                .withPooling(pooling);
        for (ParameterNames.Shaped s : ParameterNames.all(spec)) {
            if (!s.name().startsWith("classifier.") && !java.util.Arrays.equals(w.get(s.name()).shape(), s.shape())) {
                throw notAnEncoder("'" + s.name() + "' of shape " + java.util.Arrays.toString(s.shape())
                        + " (the graph's is " + java.util.Arrays.toString(w.get(s.name()).shape()) + ")");
            }
        }
        return new Encoder(spec, w);
    }

    /** A [hidden, fewer] projection: a classification head, narrower than anything inside a layer. */
    private boolean isHead(Onnx.NodeProto matmul, int hidden) {
        long[] shape = graph.shape(matmul.getInput(1));
        return shape[0] == hidden && shape[1] < hidden;
    }

    /** The embedding table a Gather indexes by the graph input {@code ids}. */
    private Optional<String> table(String ids) {
        return graph.consumers(ids).stream().filter(n -> n.getOpType().equals("Gather")
                && graph.isWeight(n.getInput(0)) && graph.shape(n.getInput(0)).length == 2)
                .map(n -> n.getInput(0)).findFirst();
    }

    /** The other [positions, hidden] table that a Gather (or a Slice, for the first positions) reads. */
    private Optional<String> positionTable(String word, String type, int hidden) {
        return graph.nodes().stream().filter(n -> (n.getOpType().equals("Gather") || n.getOpType().equals("Slice"))
                        && graph.isWeight(n.getInput(0)))
                .map(n -> n.getInput(0)).filter(t -> !t.equals(word) && !t.equals(type)
                        && graph.shape(t).length == 2 && graph.shape(t)[1] == hidden).findFirst();
    }

    /**
     * Query, key and value among three MatMuls that share the layer's input: the query enters the scores product
     * first, the key second, and the value enters the product with the softmax's output.
     */
    private Onnx.NodeProto[] attentionRoles(List<Onnx.NodeProto> three, int layer) throws IOException {
        String input = three.get(0).getInput(0);
        if (three.stream().anyMatch(n -> !n.getInput(0).equals(input))) {
            throw notAnEncoder("layer " + layer + " to start with three projections of one input (query, key, "
                    + "value)");
        }
        Onnx.NodeProto[] roles = new Onnx.NodeProto[3];
        for (Onnx.NodeProto projection : three) {
            Entry entry = attentionProduct(projection.getOutput(0)).orElseThrow(() -> notAnEncoder(
                    "layer " + layer + "'s attention products (MatMuls of two activations)"));
            boolean context = fedBySoftmax(entry.product().getInput(0));
            int role = context ? 2 : entry.slot();
            if (roles[role] != null) {
                throw notAnEncoder("layer " + layer + "'s query, key and value to enter the attention products "
                        + "in distinct places");
            }
            roles[role] = projection;
        }
        return roles;
    }

    private record Entry(Onnx.NodeProto product, int slot) {
    }

    /** The first MatMul of two activations that {@code value} flows into, and which of its inputs it reaches. */
    private Optional<Entry> attentionProduct(String value) {
        java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>(List.of(value));
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (!queue.isEmpty()) {
            String v = queue.poll();
            for (Onnx.NodeProto n : graph.consumers(v)) {
                if (n.getOpType().equals("Shape")) {
                    continue; // shape arithmetic carries no data into the products
                }
                if (n.getOpType().equals("MatMul") && !graph.isWeight(n.getInput(1))) {
                    return Optional.of(new Entry(n, n.getInput(0).equals(v) ? 0 : 1));
                }
                n.getOutputList().stream().filter(seen::add).forEach(queue::add);
            }
        }
        return Optional.empty();
    }

    /** Whether a Softmax produces {@code value}, through at most a few shape-preserving ops (Cast, Dropout...). */
    private boolean fedBySoftmax(String value) {
        String v = value;
        for (int hops = 0; hops < 4; hops++) {
            Optional<Onnx.NodeProto> p = graph.producer(v);
            if (p.isEmpty()) {
                return false;
            }
            if (p.get().getOpType().equals("Softmax")) {
                return true;
            }
            v = p.get().getInput(0);
        }
        return false;
    }

    /**
     * The head size d from the scaling of the attention scores: a Div by √d or a Mul by 1/√d after the scores
     * product, or (newer exports) a Mul by d^-¼ on the query before it.
     */
    private int headSize(Onnx.NodeProto query, int layer) throws IOException {
        Entry scores = attentionProduct(query.getOutput(0)).orElseThrow();
        Optional<Onnx.NodeProto> after = graph.firstDownstream(scores.product().getOutput(0), 3,
                n -> (n.getOpType().equals("Div") || n.getOpType().equals("Mul")) && graph.scalarInput(n).isPresent());
        double d;
        if (after.isPresent()) {
            double c = graph.scalarInput(after.get()).orElseThrow();
            d = after.get().getOpType().equals("Div") ? c * c : 1 / (c * c);
        } else {
            Optional<Onnx.NodeProto> before = graph.downstream(query.getOutput(0), 6).stream()
                    .filter(n -> n.getOpType().equals("Mul") && graph.scalarInput(n).isPresent()).findFirst();
            if (before.isEmpty()) {
                throw notAnEncoder("the scaling of layer " + layer + "'s attention scores by a constant");
            }
            double c = graph.scalarInput(before.get()).orElseThrow();
            d = 1 / (c * c * c * c);
        }
        long rounded = Math.round(d);
        if (rounded < 1 || Math.abs(d - rounded) > 1e-3 * rounded) {
            throw notAnEncoder("an attention scaling of 1/√(head size) (found one for a head size of " + d + ")");
        }
        return (int) rounded;
    }

    /** The bias: the 1-D weight added to the projection's output. */
    private String bias(Onnx.NodeProto projection, int layer) throws IOException {
        long out = graph.shape(projection.getInput(1))[1];
        return graph.consumers(projection.getOutput(0)).stream().filter(n -> n.getOpType().equals("Add"))
                .map(n -> graph.weightInput(n, 1)).flatMap(Optional::stream)
                .filter(b -> graph.shape(b)[0] == out).findFirst()
                .orElseThrow(() -> notAnEncoder("a bias added to " + projection.getName() + " (layer " + layer + ")"));
    }

    /**
     * The LayerNorm after {@code value}: a fused {@code LayerNormalization}, or the scale (a Mul by a [hidden] weight)
     * and shift (the Add of another after it) ending the decomposed form. Stores its scale and shift; returns its ε.
     */
    private double norm(String value, String gammaName, String betaName, int hidden, TensorMap w, String where)
            throws IOException {
        for (Onnx.NodeProto n : graph.downstream(value, NORM_SEARCH_DEPTH)) {
            if (n.getOpType().equals("LayerNormalization") && n.getInputCount() == 3) {
                w.put(gammaName, graph.tensor(n.getInput(1)));
                w.put(betaName, graph.tensor(n.getInput(2)));
                return n.getAttributeList().stream().filter(a -> a.getName().equals("epsilon")).findFirst()
                        .map(a -> asWritten(a.getF())).orElse(1e-5);
            }
            Optional<String> scale = graph.weightInput(n, 1);
            if (n.getOpType().equals("Mul") && scale.isPresent() && graph.shape(scale.get())[0] == hidden) {
                Optional<String> shift = graph.consumers(n.getOutput(0)).stream()
                        .filter(c -> c.getOpType().equals("Add")).map(c -> graph.weightInput(c, 1))
                        .flatMap(Optional::stream).findFirst();
                if (shift.isPresent()) {
                    w.put(gammaName, graph.tensor(scale.get()));
                    w.put(betaName, graph.tensor(shift.get()));
                    return epsilon(value);
                }
            }
        }
        throw notAnEncoder("a LayerNorm after " + where);
    }

    /** ε of a decomposed LayerNorm: the constant added to the variance before its square root. */
    private double epsilon(String value) {
        return graph.downstream(value, NORM_SEARCH_DEPTH).stream().filter(n -> n.getOpType().equals("Add")
                && graph.consumers(n.getOutput(0)).stream().anyMatch(c -> c.getOpType().equals("Sqrt")))
                .map(graph::scalarInput).flatMap(Optional::stream).map(e -> asWritten(e.floatValue())).findFirst()
                .orElse(1e-12);
    }

    /** A float32 constant as the decimal it was written from (1e-12f reads back as 1e-12, not 9.99999996e-13). */
    private static double asWritten(float value) {
        return Double.parseDouble(Float.toString(value));
    }

    /** The engine's GELU is the exact erf form; a tanh-approximating graph would compute something else. */
    private void requireExactGelu() throws IOException {
        if (graph.nodes().stream().noneMatch(n -> n.getOpType().equals("Erf") || n.getOpType().equals("Gelu"))) {
            throw notAnEncoder("the exact GELU (an Erf or Gelu node); this graph's feed-forward activation is "
                    + "something else");
        }
    }

    private static IOException notAnEncoder(String what) {
        return new IOException("not a BERT-style encoder graph: found no " + what);
    }
}
