package dev.condense.models.prune;

import dev.condense.models.state.NdArrays;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A replica's masked weights: a dense copy of each, which the optimizer updates, and its 0/1 mask. Before every
 * forward pass the engine's weight becomes dense ⊙ mask; after the backward pass the gradient (taken with respect to
 * that product) is masked, so a pruned weight keeps its dense value and can come back when its mask does.
 */
final class MaskedWeights {

    private final Map<String, INDArray> dense = new LinkedHashMap<>();
    private final Map<String, INDArray> masks = new LinkedHashMap<>();

    /** The masks of {@code masks} over the same-named {@code weights}. */
    MaskedWeights(TensorMap weights, TensorMap masks) {
        masks.asMap().forEach((name, m) -> {
            this.masks.put(name, NdArrays.fromTensor(m, DataType.FLOAT));
            dense.put(name, NdArrays.fromTensor(weights.get(name), DataType.FLOAT));
        });
    }

    Map<String, INDArray> dense() {
        return dense;
    }

    Map<String, INDArray> masks() {
        return masks;
    }

    /** The kept hidden dimensions when hidden-dimension pruning is on, else null (for the engine's norms). */
    INDArray hiddenKeep() {
        return masks.get(MaskSet.HIDDEN_MASK_CARRIER);
    }

    /** Engine weight = dense weight ⊙ mask. */
    void applyTo(Map<String, INDArray> engineWeights) {
        masks.forEach((name, mask) -> engineWeights.get(name).assign(dense.get(name)).muli(mask));
    }

    /** The optimizer leaves pruned weights alone. */
    void maskGradients(Map<String, INDArray> grads) {
        masks.forEach((name, mask) -> {
            INDArray g = grads.get(name);
            if (g != null) {
                g.muli(mask);
            }
        });
    }

    /** The dense weight behind {@code name}, or the engine's own when it is not masked. */
    INDArray weight(String name, Map<String, INDArray> engineWeights) {
        INDArray w = dense.get(name);
        return w != null ? w : engineWeights.get(name);
    }

    /** Writes the dense values into the replica's returned weights. */
    void writeTo(TensorMap model) {
        dense.forEach((name, a) -> model.put(name, NdArrays.toTensor(a)));
    }
}
