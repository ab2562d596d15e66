package dev.condense.models.state;

import dev.condense.models.encoder.EncoderSpec;
import dev.condense.models.encoder.ParameterNames;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A model as plain data: its architecture and its named weights. This is what is broadcast to executors,
 * averaged on the driver and saved; {@link #toBytes()} / {@link #fromBytes(byte[])} give the wire form.
 */
public record ModelState(EncoderSpec spec, TensorMap weights) {

    private static final int MAGIC = 0x434E4453; // "CNDS"
    private static final int VERSION = 1;

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
        return 9L * Integer.BYTES + Double.BYTES + weights.serializedSize();
    }

    public static ModelState fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return readFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void writeTo(DataOutputStream out) throws IOException {
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
        weights.writeTo(out);
    }

    public static ModelState readFrom(DataInputStream in) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new IOException("not a Condense model state (magic " + Integer.toHexString(magic) + ")");
        }
        int version = in.readInt();
        if (version != VERSION) {
            throw new IOException("model state version " + version + " is not supported (expected " + VERSION + ")");
        }
        EncoderSpec spec = new EncoderSpec(in.readInt(), in.readInt(), in.readInt(), in.readInt(), in.readInt(),
                in.readInt(), in.readInt(), in.readDouble(), in.readInt());
        return new ModelState(spec, TensorMap.readFrom(in));
    }
}
