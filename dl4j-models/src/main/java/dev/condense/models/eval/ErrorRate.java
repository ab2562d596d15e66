package dev.condense.models.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * An edit-distance error rate over a corpus: word error rate (WER) or character error rate (CER). Edits
 * (substitutions, deletions, insertions) are summed over the corpus and divided by the reference's words or
 * characters, so long utterances weigh more: the usual corpus rate, not a mean of per-utterance rates.
 *
 * @param errors     edits summed over the corpus
 * @param references reference words or characters summed over the corpus
 */
public record ErrorRate(long errors, long references) implements Serializable {

    public double rate() {
        return references == 0 ? 0 : (double) errors / references;
    }

    /** Adds one utterance, word by word; words are separated by whitespace. */
    public ErrorRate plusWords(String reference, String hypothesis) {
        return plus(words(reference), words(hypothesis));
    }

    /** Adds one utterance, character by character (spaces included). */
    public ErrorRate plusCharacters(String reference, String hypothesis) {
        return plus(characters(reference), characters(hypothesis));
    }

    public ErrorRate plus(ErrorRate other) {
        return new ErrorRate(errors + other.errors, references + other.references);
    }

    public static ErrorRate none() {
        return new ErrorRate(0, 0);
    }

    private <T> ErrorRate plus(List<T> reference, List<T> hypothesis) {
        return new ErrorRate(errors + EditDistance.between(reference, hypothesis), references + reference.size());
    }

    private static List<String> words(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }

    private static List<Integer> characters(String text) {
        return text.strip().chars().boxed().toList();
    }
}
