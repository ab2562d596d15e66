package dev.condense.models.state;

import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors in a fixed order: weights, optimizer moments, pruning scores. Supports the arithmetic the
 * averaging needs (scaled sums) and a compact binary form. The order of insertion is the order on the wire.
 */
public final class TensorMap {

    /** Floats converted at a time when writing and reading: 64 KB. */
    private static final int CHUNK_FLOATS = 16 * 1024;

    private final LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();

    public TensorMap put(String name, Tensor tensor) {
        tensors.put(name, tensor);
        return this;
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'; have " + tensors.keySet());
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public Map<String, Tensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    /** The name of the first tensor holding a NaN or an infinity, if any. */
    public java.util.Optional<String> firstNonFinite() {
        for (Map.Entry<String, Tensor> e : asMap().entrySet()) {
            for (float v : e.getValue().data()) {
                if (!Float.isFinite(v)) {
                    return java.util.Optional.of(e.getKey());
                }
            }
        }
        return java.util.Optional.empty();
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    public TensorMap copy() {
        TensorMap out = new TensorMap();
        tensors.forEach((k, v) -> out.put(k, v.copy()));
        return out;
    }

    /** A map with the same names and shapes, all zeros. */
    public TensorMap zerosLike() {
        TensorMap out = new TensorMap();
        tensors.forEach((k, v) -> out.put(k, Tensor.zeros(v.shape())));
        return out;
    }

    /** this += scale · other, name by name; both must hold the same names and shapes. */
    public TensorMap addScaled(TensorMap other, double scale) {
        float s = (float) scale;
        return combine(other, (a, b) -> {
            for (int i = 0; i < a.length; i++) {
                a[i] += s * b[i];
            }
        });
    }

    /**
     * this = a·this + b·other, element by element, computed in double and rounded once. The expression is
     * symmetric, so mixing x into y gives bit for bit what mixing y into x gives: the property a reduction in
     * arbitrary order needs to be reproducible.
     */
    public TensorMap mix(double a, TensorMap other, double b) {
        return combine(other, (x, y) -> {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (a * x[i] + b * y[i]);
            }
        });
    }

    /**
     * Adds each of {@code other}'s tensors into the same-named tensor here; names this map lacks are added as they
     * are when {@code addMissing}, otherwise ignored. For summed quantities (scores, counters) whose names need not
     * match exactly.
     */
    public TensorMap accumulate(TensorMap other, boolean addMissing) {
        other.tensors.forEach((name, t) -> {
            Tensor mine = tensors.get(name);
            if (mine == null) {
                if (addMissing) {
                    tensors.put(name, t);
                }
                return;
            }
            float[] x = mine.data();
            float[] y = t.data();
            for (int i = 0; i < x.length; i++) {
                x[i] += y[i];
            }
        });
        return this;
    }

    /** Applies {@code op(mine, theirs)} to each pair of same-named tensors, after checking names and sizes. */
    private TensorMap combine(TensorMap other, java.util.function.BiConsumer<float[], float[]> op) {
        if (!tensors.keySet().equals(other.tensors.keySet())) {
            throw new IllegalArgumentException("tensor names differ: " + tensors.keySet() + " vs " + other.names());
        }
        tensors.forEach((name, tensor) -> {
            float[] mine = tensor.data();
            float[] theirs = other.get(name).data();
            if (mine.length != theirs.length) {
                throw new IllegalArgumentException(
                        "size of '" + name + "' differs: " + mine.length + " vs " + theirs.length);
            }
            op.accept(mine, theirs);
        });
        return this;
    }

    /** this *= scale. */
    public TensorMap scale(double scale) {
        float s = (float) scale;
        for (Tensor t : tensors.values()) {
            float[] a = t.data();
            for (int i = 0; i < a.length; i++) {
                a[i] *= s;
            }
        }
        return this;
    }

    /** The exact length of {@link #writeTo}'s output, so buffers can be sized once. */
    public long serializedSize() {
        long n = Integer.BYTES;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            n += 2 + e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8).length + Integer.BYTES
                    + (long) Long.BYTES * e.getValue().shape().length + (long) Float.BYTES * e.getValue().size();
        }
        return n;
    }

    /**
     * Writes the tensors in the compact form {@link #readFrom} reads, converting floats through one small buffer: a
     * tensor can be tens of megabytes (MiniLM's word embeddings are 47 MB), and the state is written while the
     * heap already holds it, so a whole-tensor byte copy would be a peak of its own.
     */
    public void writeTo(DataOutput out) throws IOException {
        out.writeInt(tensors.size());
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = chunk.asFloatBuffer();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            out.writeUTF(e.getKey());
            out.writeInt(t.shape().length);
            for (long d : t.shape()) {
                out.writeLong(d);
            }
            float[] data = t.data();
            for (int from = 0; from < data.length; from += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, data.length - from);
                floats.clear();
                floats.put(data, from, n);
                out.write(chunk.array(), 0, n * Float.BYTES);
            }
        }
    }

    /**
     * Reads what {@link #writeTo} wrote. {@code in.available()} must be the exact number of bytes left (bytes held in
     * memory, or a stream of declared length: {@link KnownLengthInputStream}): each tensor's declared size is
     * checked against it before anything is allocated.
     */
    public static TensorMap readFrom(DataInputStream in) throws IOException {
        int count = in.readInt();
        if (count < 0) {
            throw new IOException("corrupt tensor map: negative count " + count);
        }
        TensorMap map = new TensorMap();
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = chunk.asFloatBuffer();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int rank = in.readInt();
            if (rank < 0 || rank > 8) {
                throw new IOException("corrupt tensor map: rank " + rank + " for '" + name + "'");
            }
            long[] shape = new long[rank];
            long n = 1;
            for (int d = 0; d < rank; d++) {
                shape[d] = in.readLong();
                if (shape[d] < 0 || shape[d] > Integer.MAX_VALUE) {
                    throw new IOException("corrupt tensor map: dimension " + shape[d] + " of '" + name + "'");
                }
                n = Math.multiplyHigh(n, shape[d]) != 0 ? Long.MAX_VALUE : n * shape[d];
            }
            // checked before allocating: a crafted 145-byte file declaring 500 M floats used to take 2 GB first
            if (n > Integer.MAX_VALUE / Float.BYTES || n * Float.BYTES > in.available()) {
                throw new IOException("corrupt or truncated: '" + name + "' declares " + n + " values ("
                        + Arrays.toString(shape) + ") but only " + in.available() + " bytes remain");
            }
            float[] data = new float[(int) n];
            for (int from = 0; from < data.length; from += CHUNK_FLOATS) {
                int k = Math.min(CHUNK_FLOATS, data.length - from);
                in.readFully(chunk.array(), 0, k * Float.BYTES);
                floats.clear();
                floats.get(data, from, k);
            }
            map.put(name, new Tensor(shape, data));
        }
        return map;
    }
}
