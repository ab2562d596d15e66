package dev.condense.spark.data;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Checks and splits one TSV line against the header: strict UTF-8, the header's column count, non-empty text
 * columns, a label from the task's set. Returns either a {@link LabeledText} or the reason it is bad.
 */
final class TsvRowParser implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int columns;
    private final int textIndex;
    private final int pairIndex;
    private final int labelIndex;
    private final List<String> labels;
    private final String[] names;

    TsvRowParser(String[] header, int textIndex, int pairIndex, int labelIndex, List<String> labels) {
        this.columns = header.length;
        this.names = header.clone();
        this.textIndex = textIndex;
        this.pairIndex = pairIndex;
        this.labelIndex = labelIndex;
        this.labels = List.copyOf(labels);
    }

    /** A row or an error, never both. */
    record Parsed(LabeledText row, String error) implements Serializable {
    }

    Parsed parse(byte[] bytes, long line) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return error("invalid UTF-8");
        }
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        String[] cells = text.split("\t", -1);
        if (cells.length != columns) {
            return error("expected " + columns + " tab-separated columns, found " + cells.length);
        }
        String sentence = cells[textIndex].strip();
        if (sentence.isEmpty()) {
            return error("empty text in column '" + names[textIndex] + "'");
        }
        String pair = null;
        if (pairIndex >= 0) {
            pair = cells[pairIndex].strip();
            if (pair.isEmpty()) {
                return error("empty text in column '" + names[pairIndex] + "'");
            }
        }
        String label = cells[labelIndex].strip();
        int labelId = labels.indexOf(label);
        if (labelId < 0) {
            return error("label '" + label + "' is not one of " + labels);
        }
        return new Parsed(new LabeledText(line, sentence, pair, labelId), null);
    }

    private static Parsed error(String reason) {
        return new Parsed(null, reason);
    }
}
