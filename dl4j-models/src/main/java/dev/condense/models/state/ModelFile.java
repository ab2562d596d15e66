package dev.condense.models.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A saved model ({@code model.bin}): the model's wire form ({@link ModelState#toBytes()}) inside an envelope that
 * makes the file check and describe itself, whatever storage it was copied through.
 *
 * <p>Hadoop's {@code .crc} sidecar protects a file only while the two travel together; a model copied alone, then
 * damaged, used to evaluate with silently different numbers. So the file carries its own CRC32 over everything after
 * it, and the names of its labels in class order, which a run compares with {@code condense.data.labels} (a model
 * trained on {@code [0, 1]} scored with {@code [1, 0]} would swap its classes without a word), and the fingerprint of
 * the settings that made it, for provenance. A file is refused, never half-read, if its checksum fails, a length
 * runs past its end, or a weight is not finite.
 *
 * <p>Layout: magic {@code "CNDM"}, version, CRC32 (8 bytes), body length (8 bytes); the body is the label count and
 * names, the settings fingerprint, then the model state. Files from before the envelope (a bare model state) are
 * still read, with no labels and no checksum to check.
 */
public record ModelFile(ModelState model, List<String> labels, String settingsFingerprint) {

    private static final int MAGIC = 0x434E444D; // "CNDM"
    private static final int VERSION = 1;
    private static final int HEADER = 2 * Integer.BYTES + 2 * Long.BYTES;
    private static final int MAX_LABELS = 1 << 20;

    public ModelFile {
        labels = List.copyOf(labels);
        if (!labels.isEmpty() && labels.size() != model.spec().numLabels()) {
            throw new IllegalArgumentException(labels.size() + " label names for a model of "
                    + model.spec().numLabels() + " outputs");
        }
    }

    /** Whether the file names its labels (files written before the envelope do not). */
    public boolean hasLabels() {
        return !labels.isEmpty();
    }

    public byte[] toBytes() {
        ByteArrayOutputStream body = new ByteArrayOutputStream(Math.toIntExact(model.serializedSize() + 1024));
        try (DataOutputStream out = new DataOutputStream(body)) {
            out.writeInt(labels.size());
            for (String label : labels) {
                out.writeUTF(label);
            }
            out.writeUTF(settingsFingerprint);
            model.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] b = body.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(b);
        ByteBuffer file = ByteBuffer.allocate(HEADER + b.length);
        file.putInt(MAGIC).putInt(VERSION).putLong(crc.getValue()).putLong(b.length).put(b);
        return file.array();
    }

    /**
     * Reads and checks a saved model.
     *
     * @throws IOException naming what is wrong: not a model, a failed checksum, a length past the end, a weight
     *                     that is not finite
     */
    public static ModelFile parse(byte[] bytes) throws IOException {
        if (bytes.length < Integer.BYTES) {
            throw new IOException("not a Condense model: " + bytes.length + " bytes");
        }
        ByteBuffer head = ByteBuffer.wrap(bytes);
        int magic = head.getInt();
        if (magic != MAGIC) {
            // a bare model state, saved before the envelope existed
            return new ModelFile(checkedFinite(readState(bytes, 0, bytes.length)), List.of(), "");
        }
        if (bytes.length < HEADER) {
            throw new IOException("truncated: " + bytes.length + " bytes, shorter than the " + HEADER + "-byte header");
        }
        int version = head.getInt();
        if (version != VERSION) {
            throw new IOException("model file version " + version + " is not supported (expected " + VERSION
                    + "); it was written by a newer Condense");
        }
        long expectedCrc = head.getLong();
        long length = head.getLong();
        if (length != bytes.length - HEADER) {
            throw new IOException("truncated or padded: the header declares " + length + " bytes after it, the file "
                    + "has " + (bytes.length - HEADER));
        }
        CRC32 crc = new CRC32();
        crc.update(bytes, HEADER, bytes.length - HEADER);
        if (crc.getValue() != expectedCrc) {
            throw new IOException("checksum mismatch: the file is corrupt (changed after it was written)");
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, HEADER, bytes.length - HEADER))) {
            int count = in.readInt();
            if (count < 0 || count > MAX_LABELS) {
                throw new IOException("corrupt label count " + count);
            }
            List<String> labels = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                labels.add(in.readUTF());
            }
            String fingerprint = in.readUTF();
            ModelState model = checkedFinite(ModelState.readFrom(in));
            try {
                return new ModelFile(model, labels, fingerprint);
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    private static ModelState readState(byte[] bytes, int offset, int length) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, offset, length))) {
            return ModelState.readFrom(in);
        }
    }

    /** NaN or infinite weights load and then score every example the same; they are refused by name. */
    private static ModelState checkedFinite(ModelState model) throws IOException {
        java.util.Optional<String> bad = model.weights().firstNonFinite();
        if (bad.isPresent()) {
            throw new IOException("weight '" + bad.get() + "' holds NaN or infinite values: the model is not usable "
                    + "(was its training diverging when it was saved?)");
        }
        return model;
    }
}
