package dev.condense.models.prune;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LowestCutTest {

    /** One selector for every case, as a replica keeps one: what a cut leaves in its buffers must not matter. */
    private static final LowestCut.Selector SELECTOR = new LowestCut.Selector();

    /** The radix selection against the definition: sort (score, position) ascending and cut the first {@code count}. */
    @Test
    void cutsExactlyTheCountLowestWithTiesByPositionAcrossArrays() {
        Random random = new Random(3);
        for (int trial = 0; trial < 50; trial++) {
            List<float[]> scores = new ArrayList<>();
            int total = 0;
            for (int a = 0; a < 1 + random.nextInt(3); a++) {
                float[] s = new float[1 + random.nextInt(300)];
                for (int i = 0; i < s.length; i++) {
                    // few distinct values, both signs, zeros of both signs: many ties
                    s[i] = trial % 2 == 0 ? (random.nextInt(9) - 4) * 0.5f : (float) random.nextGaussian();
                    s[i] = s[i] == 0f && random.nextBoolean() ? -0f : s[i];
                }
                scores.add(s);
                total += s.length;
            }
            long count = random.nextInt(total + 1);
            assertArrayEquals(bySorting(scores, count), byCut(scores, count), "trial " + trial);
        }
    }

    /**
     * Large arrays go through the sampled bracket; scores that pile up on a few values (the bracket holds most of
     * them) or sit in one tail test its edges, and a cut at every position of a sorted run its ranks.
     */
    @Test
    void theSampledBracketGivesTheExactCutOnLargeAndSkewedArrays() {
        Random random = new Random(5);
        for (int trial = 0; trial < 12; trial++) {
            float[] s = new float[20_000 + random.nextInt(30_000)];
            for (int i = 0; i < s.length; i++) {
                s[i] = switch (trial % 4) {
                    case 0 -> (float) random.nextGaussian();
                    case 1 -> random.nextInt(3);
                    case 2 -> random.nextDouble() < 0.99 ? 0f : (float) random.nextGaussian();
                    default -> (float) Math.exp(8 * random.nextGaussian());
                };
            }
            for (long count : new long[] {1, s.length / 5, s.length / 2, s.length * 4L / 5, s.length - 1, s.length}) {
                assertArrayEquals(bySorting(List.of(s), count), byCut(List.of(s), count), trial + ": " + count);
            }
        }
    }

    @Test
    void nothingCutLeavesTheMasksAloneAndTooManyIsAnError() {
        float[] s = {3f, 1f, 2f};
        assertArrayEquals(new float[] {1f, 1f, 1f}, byCut(List.of(s), 0));
        assertArrayEquals(new float[] {0f, 0f, 0f}, byCut(List.of(s), 3));
        assertArrayEquals(new float[] {1f, 0f, 1f}, byCut(List.of(s), 1));
        assertThrows(IllegalArgumentException.class, () -> LowestCut.of(List.of(s), 4));
    }

    @Test
    void extremeValuesOrderAsNumbers() {
        float[] s = {Float.NaN, Float.POSITIVE_INFINITY, -Float.MAX_VALUE, Float.NEGATIVE_INFINITY, Float.MIN_VALUE};
        assertArrayEquals(new float[] {1f, 1f, 0f, 0f, 1f}, byCut(List.of(s), 2));
        assertArrayEquals(new float[] {1f, 0f, 0f, 0f, 0f}, byCut(List.of(s), 4));
    }

    private static float[] byCut(List<float[]> scores, long count) {
        List<float[]> masks = new ArrayList<>();
        for (float[] a : scores) {
            float[] junk = new float[a.length];
            Arrays.fill(junk, 0.5f);
            masks.add(junk);
        }
        LowestCut cut = SELECTOR.keep(scores, count, masks);
        assertEquals(count, cut.count());
        return flatten(masks);
    }

    private static float[] bySorting(List<float[]> scores, long count) {
        float[] flat = flatten(scores);
        Integer[] order = new Integer[flat.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(flat[a] == 0f ? 0f : flat[a], flat[b] == 0f ? 0f : flat[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        float[] mask = new float[flat.length];
        Arrays.fill(mask, 1f);
        for (int k = 0; k < count; k++) {
            mask[order[k]] = 0f;
        }
        return mask;
    }

    private static float[] flatten(List<float[]> arrays) {
        float[] out = new float[arrays.stream().mapToInt(a -> a.length).sum()];
        int p = 0;
        for (float[] a : arrays) {
            System.arraycopy(a, 0, out, p, a.length);
            p += a.length;
        }
        return out;
    }
}
