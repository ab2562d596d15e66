package dev.condense.models.train;

import dev.condense.models.state.ParameterNames;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Two AdamW steps against the formulas worked by hand. */
class AdamWTest {

    @Test
    void twoStepsMatchTheFormulas() {
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.5;
        OptimizerSettings s = new OptimizerSettings(new LearningRateSchedule(lr, 0, 100), b1, b2, eps, wd, 0,
                Set.of());
        INDArray w = Nd4j.createFromArray(1.0f, -2.0f).reshape(1, 2);
        INDArray bias = Nd4j.createFromArray(0.5f);
        INDArray m = Nd4j.zeros(DataType.FLOAT, 1, 2);
        INDArray v = Nd4j.zeros(DataType.FLOAT, 1, 2);
        INDArray mb = Nd4j.zeros(DataType.FLOAT, 1);
        INDArray vb = Nd4j.zeros(DataType.FLOAT, 1);
        AdamW adam = new AdamW(s);
        double[] g1 = {0.2, -0.4};
        double[] g2 = {0.1, 0.3};
        adam.step(Map.of("x.weight", w, "x.bias", bias),
                Map.of("x.weight", Nd4j.createFromArray((float) g1[0], (float) g1[1]).reshape(1, 2),
                        "x.bias", Nd4j.createFromArray(1.0f)),
                Map.of("x.weight", m, "x.bias", mb), Map.of("x.weight", v, "x.bias", vb), 1);
        adam.step(Map.of("x.weight", w, "x.bias", bias),
                Map.of("x.weight", Nd4j.createFromArray((float) g2[0], (float) g2[1]).reshape(1, 2),
                        "x.bias", Nd4j.createFromArray(1.0f)),
                Map.of("x.weight", m, "x.bias", mb), Map.of("x.weight", v, "x.bias", vb), 2);

        for (int i = 0; i < 2; i++) {
            double x = i == 0 ? 1.0 : -2.0;
            double mm = 0;
            double vv = 0;
            double[][] gs = {g1, g2};
            for (int t = 1; t <= 2; t++) {
                double rate = lr * (100.0 - t) / 100.0;
                double g = gs[t - 1][i];
                mm = b1 * mm + (1 - b1) * g;
                vv = b2 * vv + (1 - b2) * g * g;
                x *= 1 - rate * wd;
                x -= rate * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t)) * mm / (Math.sqrt(vv) + eps);
            }
            assertEquals(x, w.getDouble(0, i), 1e-6, "weight " + i);
        }
        // the bias is exempt from decay: two steps of the same gradient 1 move it by ≈ lr each
        double expected = 0.5 - 0.1 * 0.99 - 0.1 * 0.98;
        assertEquals(expected, bias.getDouble(0), 1e-5);
    }

    /**
     * Parameter groups set their own rates and skip decay: a multiplier steps at its constant rate where the schedule
     * has the weights nearly still (here early in a warm-up, as late in the decay), and learned scores peak at their
     * own rate but follow the weights' warm-up.
     */
    @Test
    void parameterGroupsTrainAtTheirOwnRatesWithoutDecay() {
        LearningRateSchedule schedule = new LearningRateSchedule(0.1, 100, 200);
        OptimizerSettings s = new OptimizerSettings(schedule, 0.9, 0.999, 1e-8, 0.5, 0, Set.of(), List.of(
                ParameterGroup.constant("multipliers", ParameterNames.MULTIPLIER_PREFIX, 0.03),
                ParameterGroup.peakingAt("scores", "scores.movement/", 2.0, schedule)));
        String lambda = ParameterNames.MULTIPLIER_PREFIX + "budget/lambda1";
        String score = "scores.movement/g0/x.weight";
        Map<String, INDArray> values = Map.of(lambda, Nd4j.createFromArray(2.0f), score, Nd4j.createFromArray(2.0f),
                "x.weight", Nd4j.createFromArray(2.0f));
        Map<String, INDArray> grads = new HashMap<>();
        Map<String, INDArray> m = new HashMap<>();
        Map<String, INDArray> v = new HashMap<>();
        values.keySet().forEach(name -> {
            grads.put(name, Nd4j.createFromArray(1.0f));
            m.put(name, Nd4j.zeros(DataType.FLOAT, 1));
            v.put(name, Nd4j.zeros(DataType.FLOAT, 1));
        });
        new AdamW(s).step(values, grads, m, v, 1);
        // Adam's first step moves by its rate: 0.03 for the multiplier, 2.0·(1/100) for the scores, and the weight
        // by 0.1·(1/100) after decay
        assertEquals(2.0 - 0.03, values.get(lambda).getDouble(0), 1e-6);
        assertEquals(2.0 - 0.02, values.get(score).getDouble(0), 1e-6);
        assertEquals(2.0 * (1 - 0.001 * 0.5) - 0.001, values.get("x.weight").getDouble(0), 1e-6);
    }

    /**
     * A tensor large enough to span many of the kernel's blocks (and end in a partial one), three steps with the
     * global norm clipped every time, against the formulas in double.
     */
    @Test
    void aLargeClippedTensorMatchesTheFormulas() {
        double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1, maxNorm = 0.5;
        OptimizerSettings s = new OptimizerSettings(new LearningRateSchedule(lr, 0, 1000), b1, b2, eps, wd, maxNorm,
                Set.of());
        int n = 5_000;
        Nd4j.getRandom().setSeed(21);
        INDArray w = Nd4j.randn(DataType.FLOAT, 50, n / 50);
        double[] x = w.dup().data().asDouble();
        double[] mm = new double[n];
        double[] vv = new double[n];
        INDArray m = Nd4j.zeros(DataType.FLOAT, 50, n / 50);
        INDArray v = Nd4j.zeros(DataType.FLOAT, 50, n / 50);
        AdamW adam = new AdamW(s);
        for (int t = 1; t <= 3; t++) {
            INDArray g = Nd4j.randn(DataType.FLOAT, 50, n / 50);
            double[] gd = g.dup().data().asDouble();
            double norm = adam.step(Map.of("x.weight", w), Map.of("x.weight", g), Map.of("x.weight", m),
                    Map.of("x.weight", v), t);
            double clip = maxNorm / (norm + 1e-6);
            double rate = lr * (1000.0 - t) / 1000.0;
            for (int i = 0; i < n; i++) {
                double gi = gd[i] * clip;
                mm[i] = b1 * mm[i] + (1 - b1) * gi;
                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi;
                x[i] = x[i] * (1 - rate * wd) - rate * Math.sqrt(1 - Math.pow(b2, t)) / (1 - Math.pow(b1, t))
                        * mm[i] / (Math.sqrt(vv[i]) + eps);
            }
        }
        double[] got = w.data().asDouble();
        double[] gotV = v.data().asDouble();
        for (int i = 0; i < n; i++) {
            assertEquals(x[i], got[i], 1e-5 * Math.max(1, Math.abs(x[i])), "weight " + i);
            assertEquals(vv[i], gotV[i], 1e-5 * vv[i] + 1e-12, "second moment " + i);
        }
    }
}
