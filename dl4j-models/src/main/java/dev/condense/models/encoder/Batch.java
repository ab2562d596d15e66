package dev.condense.models.encoder;

import dev.condense.models.text.Encoding;

import java.util.List;

/**
 * A padded batch: {@code size} examples of {@code length} positions each, row-major. Each batch is padded only to
 * its own longest example (batches are bucketed by length upstream), never to a fixed maximum.
 *
 * @param mask   1 for a real token, 0 for padding
 * @param labels the class of each example, or null for unlabelled inference
 */
public record Batch(int size, int length, int[] ids, int[] typeIds, float[] mask, int[] labels) {

    public Batch {
        int n = size * length;
        if (ids.length != n || typeIds.length != n || mask.length != n) {
            throw new IllegalArgumentException("batch arrays must hold " + size + "×" + length + " entries");
        }
        if (labels != null && labels.length != size) {
            throw new IllegalArgumentException("batch has " + size + " examples but " + labels.length + " labels");
        }
    }

    /** Pads the encodings to the longest among them (pad id 0, segment 0, mask 0). */
    public static Batch of(List<Encoding> encodings, int[] labels) {
        if (encodings.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        int size = encodings.size();
        int length = encodings.stream().mapToInt(Encoding::length).max().orElseThrow();
        int[] ids = new int[size * length];
        int[] types = new int[size * length];
        float[] mask = new float[size * length];
        for (int b = 0; b < size; b++) {
            Encoding e = encodings.get(b);
            System.arraycopy(e.ids(), 0, ids, b * length, e.length());
            System.arraycopy(e.typeIds(), 0, types, b * length, e.length());
            for (int t = 0; t < e.length(); t++) {
                mask[b * length + t] = 1f;
            }
        }
        return new Batch(size, length, ids, types, mask, labels == null ? null : labels.clone());
    }

    public int tokens() {
        int n = 0;
        for (float m : mask) {
            n += (int) m;
        }
        return n;
    }
}
