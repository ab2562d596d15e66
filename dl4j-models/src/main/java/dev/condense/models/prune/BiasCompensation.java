package dev.condense.models.prune;

import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

/**
 * Keeps a linear layer's mean output where it was when its mask changes: pruning w_ij adds w_ij·mean(x_i) to the
 * bias b_j, reviving it takes that back, with mean(x_i) the mean of the layer's input i over the round's real tokens.
 *
 * <p>Why: movement scores act on each weight alone, but they remove weights together. In an FFN output matrix the
 * GELU inputs are mostly positive, so within a step every weight of output j sees the sign of that output's error,
 * and the weights of one sign in a column drift towards zero together. Pruning such a block shifts output j far
 * beyond what any single score predicts, and AdamW moves the bias back by at most the learning rate per step.
 * The bias can absorb the constant part of that shift exactly. That part is not the whole shift: on SST-2 this
 * lifts a set of movement masks from 50.9% to 71.6% one-shot, but it does not stop movement's collapse in training
 * (docs/BENCHMARKS.md).
 *
 * <p>The input sums travel with the round's other statistics, under {@link #inputSumKey} and {@link #TOKENS_KEY},
 * summed over all executors, so the means are those of the whole round's data.
 */
public final class BiasCompensation {

    /** Number of real (non-padding) tokens behind the round's input sums. */
    public static final String TOKENS_KEY = "inputs.tokens";
    private static final String SUM_PREFIX = "inputs.sum/";

    private BiasCompensation() {
    }

    /** The key of Σ over real tokens of the input that {@code weight} multiplies, [inputs]. */
    public static String inputSumKey(String weight) {
        return SUM_PREFIX + weight;
    }

    /** True for the statistics this class reads, which are not pruning scores. */
    public static boolean isInputStatistic(String key) {
        return key.equals(TOKENS_KEY) || key.startsWith(SUM_PREFIX);
    }

    /**
     * The weights with every bias adjusted for its matrix's mask change: b_j += Σ_i (old_ij − new_ij)·w_ij·mean(x_i).
     * Matrices without input sums this round (or without a bias) are left as they are.
     *
     * @param weights  dense weights ([inputs, outputs] matrices) and biases by name
     * @param oldMasks the masks the round trained with
     * @param newMasks the masks chosen for the next round
     * @param sums     the round's summed statistics, with {@link #TOKENS_KEY} and {@link #inputSumKey}s
     */
    public static TensorMap apply(TensorMap weights, TensorMap oldMasks, TensorMap newMasks, TensorMap sums) {
        if (!sums.contains(TOKENS_KEY) || sums.get(TOKENS_KEY).data()[0] <= 0) {
            return weights;
        }
        double tokens = sums.get(TOKENS_KEY).data()[0];
        TensorMap out = weights.copy();
        for (String name : newMasks.names()) {
            String biasName = biasOf(name);
            if (!sums.contains(inputSumKey(name)) || biasName == null || !weights.contains(biasName)
                    || !oldMasks.contains(name)) {
                continue;
            }
            float[] w = weights.get(name).data();
            float[] before = oldMasks.get(name).data();
            float[] after = newMasks.get(name).data();
            float[] inputSums = sums.get(inputSumKey(name)).data();
            Tensor bias = out.get(biasName);
            float[] b = bias.data().clone();
            int outputs = b.length;
            for (int e = 0; e < w.length; e++) {
                float change = before[e] - after[e];
                if (change != 0) {
                    b[e % outputs] += (float) (change * w[e] * inputSums[e / outputs] / tokens);
                }
            }
            out.put(biasName, new Tensor(bias.shape().clone(), b));
        }
        return out;
    }

    private static String biasOf(String weight) {
        return weight.endsWith(".weight") ? weight.substring(0, weight.length() - ".weight".length()) + ".bias" : null;
    }
}
