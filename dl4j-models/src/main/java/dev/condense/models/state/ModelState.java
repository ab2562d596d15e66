package dev.condense.models.state;


import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model as plain data: its architecture and its named weights. This is what is broadcast to executors,
 * averaged on the driver and saved; {@link #toBytes()} / {@link #fromBytes(byte[])} give the wire form.
 */
public record ModelState(EncoderSpec spec, TensorMap weights) {

    private static final int MAGIC = 0x434E4453; // "CNDS"
    /**
     * Version 2 added the head size, each layer's kept heads and neurons, and the factorised matrices' ranks;
     * version 3 adds the rows of the sparse residuals; version 4 the speech front end (a flag, then its features,
     * channels and head); version 5 the pooling (a byte: {@link dev.condense.models.state.Pooling}'s ordinal).
     */
    private static final int VERSION = 5;

    public ModelState {
        for (ParameterNames.Shaped s : ParameterNames.all(spec)) {
            Tensor t = weights.get(s.name());
            if (!Arrays.equals(t.shape(), s.shape())) {
                throw new IllegalArgumentException("weight '" + s.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", the spec needs " + Arrays.toString(s.shape()));
            }
        }
    }

    public ModelState copy() {
        return new ModelState(spec, weights.copy());
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.toIntExact(serializedSize()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The exact length of {@link #writeTo}'s output. */
    public long serializedSize() {
        long geometry = Integer.BYTES + 2L * Integer.BYTES * spec.layers() + Integer.BYTES;
        for (String name : spec.ranks().keySet()) {
            geometry += 2 + name.getBytes(StandardCharsets.UTF_8).length + Integer.BYTES;
        }
        geometry += Integer.BYTES;
        for (Map.Entry<String, List<Integer>> residual : spec.residualRows().entrySet()) {
            geometry += 2 + residual.getKey().getBytes(StandardCharsets.UTF_8).length
                    + (long) Integer.BYTES * (1 + residual.getValue().size());
        }
        long speech = 1 + (spec.isSpeech() ? 2L * Integer.BYTES + 1 : 0) + 1;
        return 10L * Integer.BYTES + Double.BYTES + geometry + speech + weights.serializedSize();
    }

    public static ModelState fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return readFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(MAGIC);
        out.writeInt(VERSION);
        out.writeInt(spec.vocabSize());
        out.writeInt(spec.maxPositions());
        out.writeInt(spec.typeVocabSize());
        out.writeInt(spec.hidden());
        out.writeInt(spec.layers());
        out.writeInt(spec.heads());
        out.writeInt(spec.ffn());
        out.writeDouble(spec.layerNormEps());
        out.writeInt(spec.numLabels());
        out.writeInt(spec.headSize());
        for (EncoderSpec.LayerShape layer : spec.layerShapes()) {
            out.writeInt(layer.heads());
            out.writeInt(layer.ffn());
        }
        out.writeInt(spec.ranks().size());
        for (Map.Entry<String, Integer> rank : spec.ranks().entrySet()) {
            out.writeUTF(rank.getKey());
            out.writeInt(rank.getValue());
        }
        out.writeInt(spec.residualRows().size());
        for (Map.Entry<String, List<Integer>> residual : spec.residualRows().entrySet()) {
            out.writeUTF(residual.getKey());
            out.writeInt(residual.getValue().size());
            for (int row : residual.getValue()) {
                out.writeInt(row);
            }
        }
        out.writeBoolean(spec.isSpeech());
        if (spec.isSpeech()) {
            out.writeInt(spec.speech().features());
            out.writeInt(spec.speech().channels());
            out.writeBoolean(spec.speech().ctc());
        }
        out.writeByte(spec.pooling().ordinal());
        weights.writeTo(out);
    }

    /**
     * Reads version 5, version 4 (mean pooling), version 3 (text models only), version 2 (no sparse residuals) and
     * version 1 (uniform models, written before compression existed). The geometry read is checked by the
     * constructors, and their complaint is the file's corruption: an {@link IOException}, like a short read.
     */
    public static ModelState readFrom(DataInputStream in) throws IOException {
        try {
            return readUnchecked(in);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IOException("corrupt model: " + e.getMessage(), e);
        }
    }

    private static ModelState readUnchecked(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IOException("not a Condense model state (magic " + Integer.toHexString(magic) + ")");
        }
        int version = in.readInt();
        if (version < 1 || version > VERSION) {
            throw new IOException("model state version " + version + " is not supported (expected 1 to " + VERSION
                    + ")");
        }
        int vocab = in.readInt();
        int positions = in.readInt();
        int types = in.readInt();
        int hidden = in.readInt();
        int layerCount = in.readInt();
        int heads = in.readInt();
        int ffn = in.readInt();
        double eps = in.readDouble();
        int labels = in.readInt();
        EncoderSpec spec;
        if (version == 1) {
            spec = new EncoderSpec(vocab, positions, types, hidden, layerCount, heads, ffn, eps, labels);
        } else {
            int headSize = in.readInt();
            List<EncoderSpec.LayerShape> layers = new ArrayList<>();
            for (int l = 0; l < layerCount; l++) {
                layers.add(new EncoderSpec.LayerShape(in.readInt(), in.readInt()));
            }
            int factorised = in.readInt();
            Map<String, Integer> ranks = new LinkedHashMap<>();
            for (int i = 0; i < factorised; i++) {
                ranks.put(in.readUTF(), in.readInt());
            }
            Map<String, List<Integer>> residualRows = new LinkedHashMap<>();
            int residuals = version >= 3 ? in.readInt() : 0;
            for (int i = 0; i < residuals; i++) {
                String name = in.readUTF();
                List<Integer> rows = new ArrayList<>();
                for (int n = in.readInt(); rows.size() < n; ) {
                    rows.add(in.readInt());
                }
                residualRows.put(name, rows);
            }
            EncoderSpec.Speech speech = version >= 4 && in.readBoolean()
                    ? new EncoderSpec.Speech(in.readInt(), in.readInt(), in.readBoolean()) : null;
            Pooling pooling = Pooling.MEAN;
            if (version >= 5) {
                int ordinal = in.readUnsignedByte();
                if (ordinal >= Pooling.values().length) {
                    throw new IOException("unknown pooling " + ordinal);
                }
                pooling = Pooling.values()[ordinal];
            }
            spec = new EncoderSpec(vocab, positions, types, hidden, layerCount, heads, ffn, eps, labels, headSize,
                    layers, ranks, residualRows, speech, pooling);
        }
        return new ModelState(spec, TensorMap.readFrom(in));
    }
}
