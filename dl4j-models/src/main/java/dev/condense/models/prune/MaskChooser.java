package dev.condense.models.prune;

import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides which structures to keep from their scores (higher = more important): exactly round(sparsity · n) of
 * the lowest-scoring structures are removed, over the whole group ({@code global}) or within each slot. Ties break
 * by position, so the same scores always give the same masks.
 */
public final class MaskChooser {

    private MaskChooser() {
    }

    /** One 0/1 value per structure for each slot, under the slot's key. */
    public static TensorMap choose(PruneGroup group, List<Slot> slots, TensorMap scores, double sparsity) {
        TensorMap masks = new TensorMap();
        if (group.global()) {
            List<float[]> all = new ArrayList<>();
            for (Slot s : slots) {
                all.add(scores.get(s.key()).data());
            }
            List<float[]> kept = keepTop(all, sparsity);
            for (int i = 0; i < slots.size(); i++) {
                masks.put(slots.get(i).key(), new Tensor(slots.get(i).shape().clone(), kept.get(i)));
            }
        } else {
            for (Slot s : slots) {
                float[] kept = keepTop(List.of(scores.get(s.key()).data()), sparsity).get(0);
                masks.put(s.key(), new Tensor(s.shape().clone(), kept));
            }
        }
        return masks;
    }

    /** Keeps the structures whose score is above a threshold (soft movement: sparsity follows from the scores). */
    public static TensorMap threshold(List<Slot> slots, TensorMap scores, double threshold) {
        TensorMap masks = new TensorMap();
        for (Slot s : slots) {
            float[] score = scores.get(s.key()).data();
            float[] mask = new float[score.length];
            for (int i = 0; i < score.length; i++) {
                mask[i] = score[i] > threshold ? 1f : 0f;
            }
            masks.put(s.key(), new Tensor(s.shape().clone(), mask));
        }
        return masks;
    }

    /**
     * Zeroes the round(sparsity · n) smallest entries across all arrays. Each entry becomes one long, its score's
     * order-preserving bits above its position, so one primitive sort ranks ten million weights in about a second
     * and ties break by position.
     */
    static List<float[]> keepTop(List<float[]> scores, double sparsity) {
        long n = 0;
        for (float[] s : scores) {
            n += s.length;
        }
        if (n > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("too many structures to rank: " + n);
        }
        long[] keys = new long[(int) n];
        int p = 0;
        for (float[] s : scores) {
            for (float v : s) {
                keys[p] = ((long) sortableBits(v) << 32) | (p & 0xFFFFFFFFL);
                p++;
            }
        }
        java.util.Arrays.sort(keys);
        long prune = Math.round(sparsity * n);
        float[] flat = new float[(int) n];
        java.util.Arrays.fill(flat, 1f);
        for (int k = 0; k < prune; k++) {
            flat[(int) (keys[k] & 0xFFFFFFFFL)] = 0f;
        }
        List<float[]> masks = new ArrayList<>();
        int offset = 0;
        for (float[] s : scores) {
            masks.add(java.util.Arrays.copyOfRange(flat, offset, offset + s.length));
            offset += s.length;
        }
        return masks;
    }

    /** An int whose signed order is the float's numeric order (-0 = +0; NaN ranks highest). */
    private static int sortableBits(float v) {
        if (Float.isNaN(v)) {
            return Integer.MAX_VALUE;
        }
        int bits = Float.floatToIntBits(v == 0f ? 0f : v);
        return bits ^ ((bits >> 31) & 0x7FFFFFFF);
    }
}
