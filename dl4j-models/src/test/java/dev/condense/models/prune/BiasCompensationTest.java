package dev.condense.models.prune;

import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BiasCompensationTest {

    private static final String W = "layer.0.ffn.out.weight";
    private static final String B = "layer.0.ffn.out.bias";

    @Test
    void pruningAddsTheWeightsMeanContributionAndRevivingTakesItBack() {
        // W is [2 inputs, 3 outputs]; the inputs' means over 4 tokens are [0.5, -1.5]
        TensorMap weights = new TensorMap();
        weights.put(W, new Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
        weights.put(B, new Tensor(new long[] {3}, new float[] {0.5f, 0, -1}));
        TensorMap before = masks(new float[] {1, 1, 1, 1, 1, 0});
        TensorMap after = masks(new float[] {1, 0, 1, 1, 1, 1});
        TensorMap sums = new TensorMap();
        sums.put(BiasCompensation.TOKENS_KEY, new Tensor(new long[] {1}, new float[] {4}));
        sums.put(BiasCompensation.inputSumKey(W), new Tensor(new long[] {2}, new float[] {2, -6}));

        TensorMap out = BiasCompensation.apply(weights, before, after, sums);

        // w01 = 2 leaves: b1 += 2·0.5; w12 = 6 returns: b2 -= 6·(-1.5)
        assertArrayEquals(new float[] {0.5f, 1, 8}, out.get(B).data(), 1e-6f);
        assertArrayEquals(weights.get(W).data(), out.get(W).data());
    }

    @Test
    void aLinearLayersMeanOutputOverItsDataDoesNotMoveWhenItsMaskChanges() {
        SplittableRandom r = new SplittableRandom(5);
        int tokens = 10;
        int in = 4;
        int out = 3;
        float[] x = random(r, tokens * in);
        float[] w = random(r, in * out);
        float[] bias = random(r, out);
        float[] before = coin(r, in * out);
        float[] after = coin(r, in * out);
        float[] inputSums = new float[in];
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < in; i++) {
                inputSums[i] += x[t * in + i];
            }
        }
        TensorMap weights = new TensorMap();
        weights.put(W, new Tensor(new long[] {in, out}, w));
        weights.put(B, new Tensor(new long[] {out}, bias));
        TensorMap sums = new TensorMap();
        sums.put(BiasCompensation.TOKENS_KEY, new Tensor(new long[] {1}, new float[] {tokens}));
        sums.put(BiasCompensation.inputSumKey(W), new Tensor(new long[] {in}, inputSums));

        float[] compensated = BiasCompensation.apply(weights, masks(before), masks(after), sums).get(B).data();

        assertArrayEquals(meanOutput(x, w, before, bias, tokens), meanOutput(x, w, after, compensated, tokens), 1e-5f);
    }

    @Test
    void withoutInputStatisticsTheWeightsAreLeftAlone() {
        TensorMap weights = new TensorMap();
        weights.put(W, new Tensor(new long[] {1, 1}, new float[] {3}));
        weights.put(B, new Tensor(new long[] {1}, new float[] {1}));

        assertSame(weights, BiasCompensation.apply(weights, masks1(1), masks1(0), new TensorMap()));
        assertTrue(BiasCompensation.isInputStatistic(BiasCompensation.inputSumKey(W)));
        assertFalse(BiasCompensation.isInputStatistic("g0/" + W));
    }

    private static float[] meanOutput(float[] x, float[] w, float[] mask, float[] bias, int tokens) {
        int out = bias.length;
        int in = w.length / out;
        float[] mean = bias.clone();
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < out; j++) {
                    mean[j] += x[t * in + i] * w[i * out + j] * mask[i * out + j] / tokens;
                }
            }
        }
        return mean;
    }

    private static TensorMap masks(float[] values) {
        TensorMap m = new TensorMap();
        m.put(W, new Tensor(new long[] {values.length / 3, 3}, values));
        return m;
    }

    private static TensorMap masks1(float value) {
        TensorMap m = new TensorMap();
        m.put(W, new Tensor(new long[] {1, 1}, new float[] {value}));
        return m;
    }

    private static float[] random(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return v;
    }

    private static float[] coin(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextBoolean() ? 1 : 0;
        }
        return v;
    }
}
