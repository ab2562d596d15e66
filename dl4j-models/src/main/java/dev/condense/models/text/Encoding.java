package dev.condense.models.text;

import dev.condense.models.encoder.ModelInput;

import java.util.Arrays;

/**
 * A tokenized example: word-piece ids with their segment (token type) ids, both starting with [CLS].
 * The attention mask is implicit: every id is a real token; padding is added only when batches are built.
 */
public record Encoding(int[] ids, int[] typeIds) implements ModelInput, java.io.Serializable {

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
