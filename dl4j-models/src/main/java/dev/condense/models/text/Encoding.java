package dev.condense.models.text;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ModelInput;
import dev.condense.models.encoder.Padder;

import java.util.Arrays;

/**
 * A tokenized example: word-piece ids with their segment (token type) ids, both starting with [CLS].
 * The attention mask is implicit: every id is a real token; padding is added only when batches are built.
 */
public record Encoding(int[] ids, int[] typeIds) implements ModelInput, java.io.Serializable {

    /** Word pieces padded with id 0 in segment 0. */
    private static final Padder PADDER = (inputs, length, mask, labels) -> {
        int size = inputs.size();
        int[] ids = new int[size * length];
        int[] types = new int[size * length];
        for (int b = 0; b < size; b++) {
            Encoding e = (Encoding) inputs.get(b);
            System.arraycopy(e.ids(), 0, ids, b * length, e.length());
            System.arraycopy(e.typeIds(), 0, types, b * length, e.length());
        }
        return new Batch(size, length, ids, types, mask, labels, null);
    };

    public Encoding {
        if (ids.length != typeIds.length) {
            throw new IllegalArgumentException(
                    "ids and typeIds differ in length: " + ids.length + " vs " + typeIds.length);
        }
    }

    @Override
    public int length() {
        return ids.length;
    }

    @Override
    public Padder padder() {
        return PADDER;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(ids) + Arrays.hashCode(typeIds);
    }

    @Override
    public String toString() {
        return "Encoding" + Arrays.toString(ids);
    }
}
