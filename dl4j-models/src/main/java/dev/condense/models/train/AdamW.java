package dev.condense.models.train;

import dev.condense.models.nn.FloatMemory;
import dev.condense.models.state.ParameterNames;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * AdamW (decoupled weight decay, Loshchilov and Hutter) with global-norm gradient clipping, updating weights in
 * place. A dense float tensor (every tensor of a training step) is updated in one pass by {@link AdamWKernel};
 * others go through libnd4j's fused {@code adam_updater} op and three element-wise ops. Both compute
 * lr·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), which equals PyTorch's except that ε is not divided by the bias correction: the
 * same up to ε·(1/√(1−β₂ᵗ) − 1), immaterial for ε = 1e-8. Decay w ← w·(1 − lr·λ) comes first, as in
 * {@code torch.optim.AdamW}, and skips biases and LayerNorm parameters. Tensors claimed by a
 * {@link ParameterGroup} train at the group's rate, with or without decay as it says.
 */
public final class AdamW {

    private final OptimizerSettings settings;

    public AdamW(OptimizerSettings settings) {
        this.settings = settings;
    }

    /**
     * One step. {@code step} counts optimizer steps from 1 across rounds, so bias correction and the schedule
     * continue where the previous round stopped. Gradients are consumed: they may be scaled and overwritten in place.
     *
     * @return the gradients' global L2 norm before clipping
     */
    public double step(Map<String, INDArray> weights, Map<String, INDArray> grads, Map<String, INDArray> m,
                       Map<String, INDArray> v, long step) {
        double norm = globalNorm(grads);
        double clip = settings.maxGradNorm() > 0 && norm > settings.maxGradNorm()
                ? settings.maxGradNorm() / (norm + 1e-6) : 1.0;
        double lr = settings.schedule().at(step);
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            String name = e.getKey();
            INDArray g = e.getValue();
            INDArray w = weights.get(name);
            ParameterGroup group = settings.groupOf(name);
            double rate = group == null ? lr : group.rateAt(lr);
            boolean decays = group == null ? !ParameterNames.isDecayExempt(name) : group.decay();
            double decay = decays && settings.weightDecay() > 0 ? 1 - lr * settings.weightDecay() : 1.0;
            INDArray first = m.get(name);
            INDArray second = v.get(name);
            if (FloatMemory.isDense(w) && FloatMemory.isDense(g) && FloatMemory.isDense(first)
                    && FloatMemory.isDense(second)) {
                double stepSize = rate * Math.sqrt(1 - Math.pow(settings.beta2(), step))
                        / (1 - Math.pow(settings.beta1(), step));
                AdamWKernel.update(FloatMemory.of(w), FloatMemory.of(g), FloatMemory.of(first),
                        FloatMemory.of(second), AdamWKernel.Step.of(clip, decay, settings.beta1(), settings.beta2(),
                                settings.epsilon(), stepSize));
                continue;
            }
            if (clip != 1.0) {
                g.muli(clip);
            }
            if (decay != 1.0) {
                w.muli(decay);
            }
            // in place: the gradient buffer becomes the update, the moments advance
            Nd4j.exec(new AdamUpdater(g, second, first, g, second, first, rate,
                    settings.beta1(), settings.beta2(), settings.epsilon(), Math.toIntExact(step - 1)));
            w.subi(g);
        }
        return norm;
    }

    static double globalNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (INDArray g : grads.values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }
}
