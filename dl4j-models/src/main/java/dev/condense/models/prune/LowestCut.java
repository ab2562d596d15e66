package dev.condense.models.prune;

import java.util.Arrays;
import java.util.List;

/**
 * Which entries of one or more score arrays (read as one sequence, in order) are the {@code count} lowest: every
 * score below {@link #key}, and the first {@link #ties} equal to it by position. Ties break by position, so the same
 * scores always cut the same entries.
 *
 * @param count how many entries are cut
 * @param key   the order-preserving bits ({@link #sortableBits}) of the highest score that is cut
 * @param ties  how many of the entries whose score equals that one are cut, the first ones by position
 * @param equal how many entries have that score
 */
public record LowestCut(long count, int key, long ties, long equal) {

    /** The cut of the {@code count} lowest of all {@code scores} (0 ≤ count ≤ their total size). */
    public static LowestCut of(List<float[]> scores, long count) {
        return new Selector().cut(scores, count);
    }

    /** An int whose signed order is the float's numeric order (−0 = +0; NaN ranks highest). */
    static int sortableBits(float v) {
        if (v != v) {
            return Integer.MAX_VALUE;
        }
        int bits = Float.floatToRawIntBits(v + 0f);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }

    /** 1 when {@code a < b}, else 0, without a branch. */
    static int lower(int a, int b) {
        return (int) (((long) a - b) >>> 63);
    }

    /**
     * Finds cuts in O(n) without sorting, because learned movement scores are cut before every training step (ten
     * million of them on MiniLM): a sorted sample of 2,048 scores brackets the cut, one pass counts the scores below
     * the bracket and collects those inside it (about 7%), and a radix selection on the collected scores'
     * order-preserving bits (two histogram passes, on the high and the low 16 bits) finds the cut among them. If the
     * bracket misses (a chance of about 1e-4), the radix selection runs over all the scores. Its buffers are kept
     * for the next cut: a replica cuts every matrix at every step.
     */
    public static final class Selector {
        private static final int SAMPLE = 2048;
        /** Half the bracket, in standard deviations of the sample's rank of the cut. */
        private static final double MARGIN = 4;
        private static final int BUCKETS = 1 << 16;

        private final int[] sample = new int[SAMPLE];
        private final int[] high = new int[BUCKETS];
        private final int[] low = new int[BUCKETS];
        private int[] inside = new int[1024];
        /** The last cut's scores' bits, in order, for {@link #keep}'s masks. */
        private int[] keys = new int[1024];
        private int keyCount;

        /**
         * Cuts the {@code count} lowest of {@code scores} and writes each mask in full: 0 where an entry is cut, 1
         * elsewhere (masks and scores are parallel, entry for entry).
         */
        public LowestCut keep(List<float[]> scores, long count, List<float[]> masks) {
            LowestCut cut = cut(scores, count);
            if (count == 0) {
                masks.forEach(m -> Arrays.fill(m, 1f));
                return cut;
            }
            int p = 0;
            for (float[] m : masks) {
                for (int i = 0; i < m.length; i++) {
                    m[i] = lower(cut.key(), keys[p++]); // kept: above the cut's score (ties are all cut here)
                }
            }
            long keep = cut.equal() - cut.ties();
            int end = keyCount;
            for (int a = masks.size() - 1; a >= 0 && keep > 0; a--) {
                // the ties not cut are the last ones by position
                float[] m = masks.get(a);
                end -= m.length;
                for (int i = m.length - 1; i >= 0 && keep > 0; i--) {
                    if (keys[end + i] == cut.key()) {
                        m[i] = 1f;
                        keep--;
                    }
                }
            }
            return cut;
        }

        public LowestCut cut(List<float[]> scores, long count) {
            long n = 0;
            for (float[] s : scores) {
                n += s.length;
            }
            if (count < 0 || count > n) {
                throw new IllegalArgumentException("cannot cut " + count + " of " + n + " scores");
            }
            if (count == 0) {
                keyCount = 0;
                return new LowestCut(0, Integer.MIN_VALUE, 0, 0);
            }
            int samples = bracketSample(scores, n);
            double p = (double) count / n;
            double margin = MARGIN * Math.sqrt(samples * p * (1 - p)) + 2;
            int loRank = (int) Math.floor(p * samples - margin);
            int hiRank = (int) Math.ceil(p * samples + margin);
            int lo = loRank < 0 ? Integer.MIN_VALUE : sample[loRank];
            int hi = hiRank >= samples ? Integer.MAX_VALUE : sample[hiRank];
            if (keys.length < n) {
                keys = new int[Math.toIntExact(n)];
            }
            if (inside.length < n + 1) {
                inside = new int[Math.toIntExact(n + 1)];
            }
            int[] all = keys;
            int[] in = inside;
            long below = 0;
            int size = 0;
            int p0 = 0;
            for (float[] s : scores) {
                for (float v : s) {
                    // branch-free: whether a score is below the bracket, inside or above is close to a coin toss
                    int bits = sortableBits(v);
                    all[p0++] = bits;
                    int isBelow = lower(bits, lo);
                    below += isBelow;
                    in[size] = bits;
                    size += 1 - isBelow - lower(hi, bits);
                }
            }
            keyCount = p0;
            if (below < count && count <= below + size) {
                return radix(in, size, count - below, count);
            }
            return radix(all, p0, count, count);
        }

        /** Fills {@link #sample} with evenly spaced scores' bits, sorted; returns how many. */
        private int bracketSample(List<float[]> scores, long n) {
            int samples = (int) Math.min(n, SAMPLE);
            int a = 0;
            long offset = 0;
            for (int j = 0; j < samples; j++) {
                long position = j * n / samples;
                while (position >= offset + scores.get(a).length) {
                    offset += scores.get(a++).length;
                }
                sample[j] = sortableBits(scores.get(a)[(int) (position - offset)]);
            }
            Arrays.sort(sample, 0, samples);
            return samples;
        }

        /** The cut at the {@code rank}-th lowest (from 1) of the first {@code size} keys; {@code count} in all. */
        private LowestCut radix(int[] keys, int size, long rank, long count) {
            Arrays.fill(high, 0);
            for (int i = 0; i < size; i++) {
                high[(keys[i] >>> 16) ^ 0x8000]++;
            }
            long lower = 0;
            int bucket = 0;
            while (lower + high[bucket] < rank) {
                lower += high[bucket++];
            }
            int top = bucket ^ 0x8000;
            Arrays.fill(low, 0);
            for (int i = 0; i < size; i++) {
                if (keys[i] >>> 16 == top) {
                    low[keys[i] & 0xFFFF]++;
                }
            }
            int lowBits = 0;
            while (lower + low[lowBits] < rank) {
                lower += low[lowBits++];
            }
            return new LowestCut(count, (top << 16) | lowBits, rank - lower, low[lowBits]);
        }
    }
}
