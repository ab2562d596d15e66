package dev.condense.models.prune;

import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Element masks (1 keep, 0 pruned) for the weights any pruning group touches, the product over all groups. This is
 * what training applies (effective weight = weight ⊙ mask) and what is broadcast with the averaged weights, so
 * every replica zeroes the same entries.
 */
public final class MaskSet {

    private MaskSet() {
    }

    /**
     * @param groupSlots each group's slots; {@code structureMasks} holds one 0/1 tensor per slot key
     * @param weights    the model's weights, for shapes
     */
    public static TensorMap expand(List<List<Slot>> groupSlots, TensorMap structureMasks, TensorMap weights) {
        Map<String, float[]> masks = new LinkedHashMap<>();
        for (List<Slot> slots : groupSlots) {
            for (Slot slot : slots) {
                float[] structure = structureMasks.get(slot.key()).data();
                for (Slot.Member m : slot.members()) {
                    float[] element = m.expand(structure, weights.get(m.weight()).shape());
                    float[] current = masks.computeIfAbsent(m.weight(), k -> {
                        float[] ones = new float[element.length];
                        Arrays.fill(ones, 1f);
                        return ones;
                    });
                    for (int i = 0; i < current.length; i++) {
                        current[i] *= element[i];
                    }
                }
            }
        }
        TensorMap out = new TensorMap();
        masks.forEach((name, data) -> out.put(name, new Tensor(weights.get(name).shape().clone(), data)));
        return out;
    }

    /**
     * The weight whose mask is the hidden mask: the embedding LayerNorm's scale is masked by hidden-dimension
     * pruning alone (no matrix kind selects a LayerNorm), one entry per hidden dimension.
     */
    public static final String HIDDEN_MASK_CARRIER = ParameterNames.EMBEDDING_NORM_GAMMA;

    /** The kept hidden dimensions, when hidden-dimension pruning is on. */
    public static java.util.Optional<Tensor> hiddenKeep(TensorMap masks) {
        return masks.contains(HIDDEN_MASK_CARRIER)
                ? java.util.Optional.of(masks.get(HIDDEN_MASK_CARRIER))
                : java.util.Optional.empty();
    }

    /**
     * The pruned model as evaluated and exported: weights ⊙ masks, plus the hidden mask when hidden dimensions are
     * pruned (the engine's LayerNorms need it).
     */
    public static ModelState prunedModel(ModelState model, TensorMap masks) {
        TensorMap weights = apply(model.weights(), masks);
        hiddenKeep(masks).ifPresent(keep -> weights.put(ParameterNames.HIDDEN_KEEP, keep.copy()));
        return new ModelState(model.spec(), weights);
    }

    /**
     * weights ⊙ masks for the masked weights, the others unchanged: the model that is evaluated and exported.
     * Pruned entries are written as +0 (a negative weight times 0 would be −0).
     */
    public static TensorMap apply(TensorMap weights, TensorMap masks) {
        TensorMap out = weights.copy();
        for (String name : masks.names()) {
            float[] w = out.get(name).data();
            float[] m = masks.get(name).data();
            for (int i = 0; i < w.length; i++) {
                w[i] = m[i] == 0f ? 0f : w[i] * m[i];
            }
        }
        return out;
    }

    /**
     * The fraction of mask entries that differ between two mask sets over the same weights (a weight only in
     * {@code after} counts its zeros as changes). High churn means decisions are still noisy.
     */
    public static double churn(TensorMap before, TensorMap after) {
        long changed = 0;
        long total = 0;
        for (String name : after.names()) {
            float[] b = before.contains(name) ? before.get(name).data() : null;
            float[] a = after.get(name).data();
            for (int i = 0; i < a.length; i++) {
                if (a[i] != (b == null ? 1f : b[i])) {
                    changed++;
                }
            }
            total += a.length;
        }
        return total == 0 ? 0 : (double) changed / total;
    }

    /** Fraction of zero entries in one mask. */
    public static double sparsity(Tensor mask) {
        long zeros = 0;
        for (float v : mask.data()) {
            if (v == 0f) {
                zeros++;
            }
        }
        return (double) zeros / mask.size();
    }
}
