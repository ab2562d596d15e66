package dev.condense.spark.data;

import java.io.Serializable;

/** Counts valid and bad rows across executors and keeps the earliest bad line with its reason. */
public final class RowErrors implements Serializable {

    private static final long serialVersionUID = 1L;

    long valid;
    long bad;
    long firstLine = Long.MAX_VALUE;
    String firstReason;

    RowErrors add(ParsedRow row, long line) {
        if (row.error() == null) {
            valid++;
        } else {
            bad++;
            if (line < firstLine) {
                firstLine = line;
                firstReason = row.error();
            }
        }
        return this;
    }

    RowErrors merge(RowErrors other) {
        valid += other.valid;
        bad += other.bad;
        if (other.firstLine < firstLine) {
            firstLine = other.firstLine;
            firstReason = other.firstReason;
        }
        return this;
    }
}
