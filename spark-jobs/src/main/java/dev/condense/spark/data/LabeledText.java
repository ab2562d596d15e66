package dev.condense.spark.data;

import java.io.Serializable;

/**
 * One valid row of a labelled text file: its line number (its id), the text or text pair and the label index.
 * {@code pair} is null for single-sentence tasks.
 */
public record LabeledText(long line, String text, String pair, int label) implements Serializable {
}
