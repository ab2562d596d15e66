package dev.condense.models.export;

import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A small builder of an ONNX graph in the default domain: nodes whose outputs get unique generated names,
 * initializers from plain arrays, and graph inputs and outputs whose leading axes may be symbolic (a batch or a
 * sequence dimension the runtime sizes per call). It knows nothing about transformers; {@link EncoderGraph} does.
 */
final class OnnxGraph {

    /** ONNX opset 17 is the first with {@code LayerNormalization}; ONNX Runtime 1.14 and later run it. */
    static final int OPSET = 17;
    /** The IR version that opset 17 belongs to. */
    static final int IR_VERSION = 8;
    /** The domain of ONNX Runtime's contrib operators, imported at version 1 when a node uses it. */
    static final String MICROSOFT = "com.microsoft";

    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private int counter;
    private boolean usesMicrosoftDomain;

    OnnxGraph(String name) {
        graph.setName(name);
    }

    /** A new value name that is unique in this graph, with {@code hint} to help a reader of the graph. */
    String fresh(String hint) {
        return hint + "_" + counter++;
    }

    /** Adds a node with one output and returns that output's name. */
    String node(String op, String hint, List<String> inputs, Attribute... attributes) {
        String output = fresh(hint);
        nodeWithOutputs(op, inputs, List.of(output), attributes);
        return output;
    }

    /** Adds a node of ONNX Runtime's contrib domain ({@value #MICROSOFT}) with one output. */
    String microsoftNode(String op, String hint, List<String> inputs, Attribute... attributes) {
        String output = node(op, hint, inputs, attributes);
        graph.getNodeBuilder(graph.getNodeCount() - 1).setDomain(MICROSOFT);
        usesMicrosoftDomain = true;
        return output;
    }

    /** Adds a node with the given outputs (an empty input name stands for an omitted optional input). */
    void nodeWithOutputs(String op, List<String> inputs, List<String> outputs, Attribute... attributes) {
        Onnx.NodeProto.Builder n = Onnx.NodeProto.newBuilder().setOpType(op).setName(fresh(op))
                .addAllInput(inputs).addAllOutput(outputs);
        for (Attribute a : attributes) {
            n.addAttribute(a.proto());
        }
        graph.addNode(n);
    }

    /** A float initializer of the given shape, named after {@code name}, returning its value name. */
    String floats(String name, float[] data, long... shape) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        return initializer(name, Onnx.TensorProto.DataType.FLOAT_VALUE, bytes, shape);
    }

    /** An int8 initializer (quantized weights, zero points). */
    String int8s(String name, byte[] data, long... shape) {
        return initializer(name, Onnx.TensorProto.DataType.INT8_VALUE, ByteBuffer.wrap(data), shape);
    }

    /** An int64 initializer (indices, shapes, axes). */
    String longs(String name, long[] data, long... shape) {
        ByteBuffer bytes = ByteBuffer.allocate(data.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(data);
        return initializer(name, Onnx.TensorProto.DataType.INT64_VALUE, bytes, shape);
    }

    /** A float scalar initializer. */
    String scalar(String hint, float value) {
        return floats(fresh(hint), new float[] {value});
    }

    /** A one-dimensional int64 initializer. */
    String vector(String hint, long... values) {
        return longs(fresh(hint), values, values.length);
    }

    private String initializer(String name, int dataType, ByteBuffer bytes, long... shape) {
        bytes.rewind();
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(name).setDataType(dataType)
                .setRawData(ByteString.copyFrom(bytes));
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    /** Declares a graph input; a {@code String} axis is symbolic, a {@code Long} fixed. */
    void input(String name, int elementType, Object... axes) {
        graph.addInput(valueInfo(name, elementType, axes));
    }

    /** Declares a graph output; a {@code String} axis is symbolic, a {@code Long} fixed. */
    void output(String name, int elementType, Object... axes) {
        graph.addOutput(valueInfo(name, elementType, axes));
    }

    /** Renames the value {@code from} into the graph output {@code to} (an Identity node). */
    void expose(String from, String to) {
        nodeWithOutputs("Identity", List.of(from), List.of(to));
    }

    private static Onnx.ValueInfoProto valueInfo(String name, int elementType, Object... axes) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object axis : axes) {
            Onnx.TensorShapeProto.Dimension.Builder d = Onnx.TensorShapeProto.Dimension.newBuilder();
            if (axis instanceof String symbol) {
                d.setDimParam(symbol);
            } else {
                d.setDimValue((Long) axis);
            }
            shape.addDim(d);
        }
        Onnx.TypeProto type = Onnx.TypeProto.newBuilder().setTensorType(Onnx.TypeProto.Tensor.newBuilder()
                .setElemType(elementType).setShape(shape)).build();
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    /**
     * The finished model: this graph in opset {@link #OPSET} (and {@value #MICROSOFT} version 1 when a node is
     * from there), with string metadata a server can read.
     */
    Onnx.ModelProto model(String producerVersion, Map<String, String> metadata) {
        Onnx.ModelProto.Builder m = Onnx.ModelProto.newBuilder().setIrVersion(IR_VERSION)
                .setProducerName("condense").setProducerVersion(producerVersion).setGraph(graph)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        if (usesMicrosoftDomain) {
            m.addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain(MICROSOFT).setVersion(1));
        }
        metadata.forEach((k, v) -> m.addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /** A node attribute. */
    record Attribute(Onnx.AttributeProto proto) {

        static Attribute ofInt(String name, long value) {
            return new Attribute(Onnx.AttributeProto.newBuilder().setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.INT).setI(value).build());
        }

        static Attribute ofFloat(String name, float value) {
            return new Attribute(Onnx.AttributeProto.newBuilder().setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(value).build());
        }

        static Attribute ofInts(String name, long... values) {
            Onnx.AttributeProto.Builder a = Onnx.AttributeProto.newBuilder().setName(name)
                    .setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return new Attribute(a.build());
        }
    }

    /** Convenience for node inputs. */
    static List<String> in(String... names) {
        return new ArrayList<>(List.of(names));
    }
}
