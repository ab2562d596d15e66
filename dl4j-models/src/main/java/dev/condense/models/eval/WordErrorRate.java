package dev.condense.models.eval;

import java.util.Arrays;
import java.util.List;

/**
 * Word error rate: the word-level edit distance (substitutions, deletions, insertions) between hypotheses and their
 * references, summed over a corpus and divided by the reference words, so long utterances weigh more (the usual
 * corpus WER, not a mean of per-utterance rates).
 *
 * @param errors     edits summed over the corpus
 * @param references reference words summed over the corpus
 */
public record WordErrorRate(long errors, long references) {

    public double rate() {
        return references == 0 ? 0 : (double) errors / references;
    }

    /** Adds one utterance; words are separated by whitespace. */
    public WordErrorRate plus(String reference, String hypothesis) {
        List<String> ref = words(reference);
        List<String> hyp = words(hypothesis);
        return new WordErrorRate(errors + EditDistance.between(ref, hyp), references + ref.size());
    }

    public static WordErrorRate none() {
        return new WordErrorRate(0, 0);
    }

    private static List<String> words(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("\\s+"));
    }
}
