package dev.condense.models.onnx;

import dev.condense.models.state.Tensor;
import onnx.Onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An ONNX graph indexed for reading a model out of it by its structure: who produces and who consumes each value,
 * which values are weights (initializers) and which are constants, and searches along the data flow. Node order is
 * the graph's, which ONNX requires to be topological.
 */
final class GraphIndex {

    private final List<Onnx.NodeProto> nodes;
    private final Map<String, Onnx.TensorProto> initializers = new HashMap<>();
    private final Map<String, Onnx.TensorProto> constants = new HashMap<>();
    private final Map<String, Onnx.NodeProto> producers = new HashMap<>();
    private final Map<String, List<Onnx.NodeProto>> consumers = new HashMap<>();
    private final Set<String> inputs = new HashSet<>();

    GraphIndex(Onnx.GraphProto graph) {
        this.nodes = graph.getNodeList();
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        graph.getInputList().forEach(i -> inputs.add(i.getName()));
        for (Onnx.NodeProto n : nodes) {
            n.getOutputList().forEach(o -> producers.put(o, n));
            n.getInputList().forEach(i -> consumers.computeIfAbsent(i, k -> new ArrayList<>()).add(n));
            if (n.getOpType().equals("Constant")) {
                n.getAttributeList().stream().filter(a -> a.getName().equals("value"))
                        .forEach(a -> constants.put(n.getOutput(0), a.getT()));
            }
        }
    }

    List<Onnx.NodeProto> nodes() {
        return nodes;
    }

    boolean hasInput(String name) {
        return inputs.contains(name);
    }

    boolean isWeight(String value) {
        return initializers.containsKey(value);
    }

    /** The dimensions of an initializer. */
    long[] shape(String weight) {
        return initializers.get(weight).getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    List<Onnx.NodeProto> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    Optional<Onnx.NodeProto> producer(String value) {
        return Optional.ofNullable(producers.get(value));
    }

    /** A scalar (or one-element) value held by a {@code Constant} node or an initializer, if {@code value} is one. */
    Optional<Double> scalar(String value) {
        Onnx.TensorProto t = constants.containsKey(value) ? constants.get(value) : initializers.get(value);
        if (t == null || t.getDimsList().stream().reduce(1L, (a, b) -> a * b) != 1) {
            return Optional.empty();
        }
        return switch (t.getDataType()) {
            case Onnx.TensorProto.DataType.FLOAT_VALUE -> Optional.of((double) (t.getRawData().isEmpty()
                    ? t.getFloatData(0) : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
                    .getFloat()));
            case Onnx.TensorProto.DataType.DOUBLE_VALUE -> Optional.of(t.getRawData().isEmpty()
                    ? t.getDoubleData(0) : t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
                    .getDouble());
            default -> Optional.empty();
        };
    }

    /** The first scalar input of a node, if it has one. */
    Optional<Double> scalarInput(Onnx.NodeProto node) {
        return node.getInputList().stream().map(this::scalar).flatMap(Optional::stream).findFirst();
    }

    /**
     * The nodes downstream of {@code value}, nearest first (breadth first), up to {@code depth} nodes away, not
     * following {@code Shape} (shape arithmetic carries no data).
     */
    List<Onnx.NodeProto> downstream(String value, int depth) {
        List<Onnx.NodeProto> out = new ArrayList<>();
        Set<Onnx.NodeProto> seen = new HashSet<>();
        ArrayDeque<Map.Entry<String, Integer>> queue = new ArrayDeque<>();
        queue.add(Map.entry(value, 0));
        while (!queue.isEmpty()) {
            Map.Entry<String, Integer> e = queue.poll();
            if (e.getValue() >= depth) {
                continue;
            }
            for (Onnx.NodeProto n : consumers(e.getKey())) {
                if (!n.getOpType().equals("Shape") && seen.add(n)) {
                    out.add(n);
                    n.getOutputList().forEach(o -> queue.add(Map.entry(o, e.getValue() + 1)));
                }
            }
        }
        return out;
    }

    /** The nearest node downstream of {@code value} (within {@code depth}) that {@code test} accepts. */
    Optional<Onnx.NodeProto> firstDownstream(String value, int depth, Predicate<Onnx.NodeProto> test) {
        return downstream(value, depth).stream().filter(test).findFirst();
    }

    /** The input of {@code node} that is an initializer of the given rank, if any. */
    Optional<String> weightInput(Onnx.NodeProto node, int rank) {
        return node.getInputList().stream().filter(i -> isWeight(i) && shape(i).length == rank).findFirst();
    }

    /** An initializer's values as a Condense tensor (float32 only: what BERT-family exports hold). */
    Tensor tensor(String weight) throws IOException {
        Onnx.TensorProto proto = initializers.get(weight);
        if (proto.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
            throw new IOException("initializer '" + weight + "' is not float32");
        }
        if (proto.getDataLocation() == Onnx.TensorProto.DataLocation.EXTERNAL) {
            throw new IOException("initializer '" + weight + "' is stored in an external file; re-export the model "
                    + "with its weights inside the .onnx file");
        }
        long[] shape = shape(weight);
        float[] data = new float[Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b))];
        if (!proto.getRawData().isEmpty()) {
            ByteBuffer raw = proto.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (raw.remaining() != data.length * Float.BYTES) {
                throw new IOException("initializer '" + weight + "' holds " + raw.remaining() + " bytes for shape "
                        + Arrays.toString(shape));
            }
            raw.asFloatBuffer().get(data);
        } else if (proto.getFloatDataCount() == data.length) {
            for (int i = 0; i < data.length; i++) {
                data[i] = proto.getFloatData(i);
            }
        } else {
            throw new IOException("initializer '" + weight + "' holds " + proto.getFloatDataCount()
                    + " values for shape " + Arrays.toString(shape));
        }
        return new Tensor(shape, data);
    }
}
