package dev.condense.models.eval;

import java.util.List;

/**
 * The Levenshtein distance between two sequences: the fewest substitutions, deletions and insertions that turn one
 * into the other. Words for the word error rate; characters for the settings' "did you mean" suggestions.
 */
public final class EditDistance {

    private EditDistance() {
    }

    public static <T> int between(List<T> a, List<T> b) {
        int[] previous = new int[b.size() + 1];
        int[] current = new int[b.size() + 1];
        for (int j = 0; j <= b.size(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.size(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.size(); j++) {
                int substitute = previous[j - 1] + (a.get(i - 1).equals(b.get(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.size()];
    }

    /** Between two strings, character by character. */
    public static int between(String a, String b) {
        return between(a.chars().boxed().toList(), b.chars().boxed().toList());
    }
}
