package dev.condense.spark.data;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks and splits one TSV line against the header: strict UTF-8 and the header's column count, then the
 * {@link RowValidator} checks.
 */
final class TsvRowParser implements Serializable {

    private static final long serialVersionUID = 1L;

    private final int columns;
    private final int textIndex;
    private final int pairIndex;
    private final int labelIndex;
    private final RowValidator validator;

    TsvRowParser(int columns, int textIndex, int pairIndex, int labelIndex, RowValidator validator) {
        this.columns = columns;
        this.textIndex = textIndex;
        this.pairIndex = pairIndex;
        this.labelIndex = labelIndex;
        this.validator = validator;
    }

    ParsedRow parse(byte[] bytes, long line) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return ParsedRow.bad("invalid UTF-8");
        }
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        String[] cells = text.split("\t", -1);
        if (cells.length != columns) {
            return ParsedRow.bad("expected " + columns + " tab-separated columns, found " + cells.length);
        }
        return validator.check(line, cells[textIndex], pairIndex >= 0 ? cells[pairIndex] : null, cells[labelIndex]);
    }
}
