package dev.condense.models.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CtcDecodingAndErrorRateTest {

    /** Best path 1 1 0 1 2 2 | 0 3 3 0: repeats merge, a blank separates the two 1s, padding is ignored. */
    @Test
    void greedyDecodingMergesRepeatsAndDropsBlanks() {
        int[][] best = {{1, 1, 0, 1, 2, 2}, {0, 3, 3, 0, 2, 2}};
        double[][] logits = new double[12][4];
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 6; t++) {
                logits[b * 6 + t][best[b][t]] = 5;
            }
        }
        int[][] decoded = CtcDecoding.greedy(Nd4j.create(logits), 6, new int[] {6, 4});
        assertArrayEquals(new int[] {1, 1, 2}, decoded[0]);
        assertArrayEquals(new int[] {3}, decoded[1]);
    }

    /** One substitution, one deletion and one insertion over 4 + 2 reference words. */
    @Test
    void werCountsSubstitutionsDeletionsAndInsertionsOverReferenceWords() {
        ErrorRate w = ErrorRate.none()
                .plusWords("the cat sat down", "the bat sat")
                .plusWords("hello world", "hello  big world");
        assertEquals(3, w.errors());
        assertEquals(6, w.references());
        assertEquals(0.5, w.rate(), 1e-12);
        assertEquals(0.0, ErrorRate.none().plusWords("same words", " same words ").rate(), 0.0);
    }

    /** "kitten" to "sitting" is three edits over six reference characters; spaces count as characters. */
    @Test
    void cerCountsCharacterEditsOverReferenceCharacters() {
        ErrorRate c = ErrorRate.none().plusCharacters("kitten", "sitting");
        assertEquals(3, c.errors());
        assertEquals(6, c.references());
        assertEquals(1, ErrorRate.none().plusCharacters("a b", "ab").errors());
        assertEquals(new ErrorRate(4, 9), c.plus(ErrorRate.none().plusCharacters("a b", "ab")));
    }
}
