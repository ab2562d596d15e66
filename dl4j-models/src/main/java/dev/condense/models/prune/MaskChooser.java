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

    /** Zeroes the round(sparsity · n) smallest entries across all arrays (ties by position: see {@link LowestCut}). */
    static List<float[]> keepTop(List<float[]> scores, double sparsity) {
        long n = 0;
        List<float[]> masks = new ArrayList<>();
        for (float[] s : scores) {
            n += s.length;
            masks.add(new float[s.length]);
        }
        new LowestCut.Selector().keep(scores, Math.round(sparsity * n), masks);
        return masks;
    }
}
