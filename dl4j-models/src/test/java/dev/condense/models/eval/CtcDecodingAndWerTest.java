package dev.condense.models.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CtcDecodingAndWerTest {

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
        WordErrorRate w = WordErrorRate.none()
                .plus("the cat sat down", "the bat sat")
                .plus("hello world", "hello  big world");
        assertEquals(3, w.errors());
        assertEquals(6, w.references());
        assertEquals(0.5, w.rate(), 1e-12);
        assertEquals(0.0, WordErrorRate.none().plus("same words", " same words ").rate(), 0.0);
    }
}
