package dev.condense.spark.data;

import java.io.Serializable;

/** A checked row: either the valid {@link LabeledText} or the reason the row is bad, never both. */
record ParsedRow(LabeledText row, String error) implements Serializable {

    static ParsedRow bad(String reason) {
        return new ParsedRow(null, reason);
    }
}
