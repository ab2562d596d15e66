package dev.condense.spark.data;

import java.io.Serializable;
import java.util.List;

/**
 * The checks every labelled row passes, whatever it was read from: non-empty text (and text pair), and a label of
 * the task's set, which becomes its class index.
 */
final class RowValidator implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String textName;
    private final String pairName;
    private final List<String> labels;

    /**
     * @param textName how messages name the text column
     * @param pairName how messages name the pair column; null for single-sentence tasks
     */
    RowValidator(String textName, String pairName, List<String> labels) {
        this.textName = textName;
        this.pairName = pairName;
        this.labels = List.copyOf(labels);
    }

    boolean isPairTask() {
        return pairName != null;
    }

    /** {@code text}, {@code pair} and {@code label} may be null (a missing cell); {@code pair} is ignored unless a pair task. */
    ParsedRow check(long line, String text, String pair, String label) {
        String sentence = text == null ? "" : text.strip();
        if (sentence.isEmpty()) {
            return ParsedRow.bad("empty text in column '" + textName + "'");
        }
        String second = null;
        if (isPairTask()) {
            second = pair == null ? "" : pair.strip();
            if (second.isEmpty()) {
                return ParsedRow.bad("empty text in column '" + pairName + "'");
            }
        }
        String name = label == null ? "" : label.strip();
        int id = labels.indexOf(name);
        if (id < 0) {
            return ParsedRow.bad(label == null ? "missing label" : "label '" + name + "' is not one of " + labels);
        }
        return new ParsedRow(new LabeledText(line, sentence, second, id), null);
    }
}
