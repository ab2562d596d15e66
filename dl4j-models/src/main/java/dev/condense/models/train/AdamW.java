package dev.condense.models.train;

import dev.condense.models.encoder.ParameterNames;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Map;

/**
 * AdamW (decoupled weight decay, Loshchilov and Hutter) with global-norm gradient clipping, updating weights in
 * place. Matches PyTorch's {@code torch.optim.AdamW}: bias-corrected moments, ε added after the square root,
 * decay w ← w·(1 − lr·λ) skipped for biases and LayerNorm parameters.
 */
public final class AdamW {

    private final OptimizerSettings settings;

    public AdamW(OptimizerSettings settings) {
        this.settings = settings;
    }

    /**
     * One step. {@code step} counts optimizer steps from 1 across rounds, so bias correction and the schedule
     * continue where the previous round stopped.
     *
     * @return the gradients' global L2 norm before clipping
     */
    public double step(Map<String, INDArray> weights, Map<String, INDArray> grads, Map<String, INDArray> m,
                       Map<String, INDArray> v, long step) {
        double norm = globalNorm(grads);
        double clip = settings.maxGradNorm() > 0 && norm > settings.maxGradNorm()
                ? settings.maxGradNorm() / (norm + 1e-6) : 1.0;
        double lr = settings.schedule().at(step);
        double b1 = settings.beta1();
        double b2 = settings.beta2();
        double bc1 = 1 - Math.pow(b1, step);
        double bc2 = 1 - Math.pow(b2, step);
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            String name = e.getKey();
            INDArray g = clip == 1.0 ? e.getValue() : e.getValue().mul(clip);
            INDArray mt = m.get(name);
            INDArray vt = v.get(name);
            INDArray w = weights.get(name);
            mt.muli(b1).addi(g.mul(1 - b1));
            vt.muli(b2).addi(g.mul(g).muli(1 - b2));
            if (!ParameterNames.isDecayExempt(name) && settings.weightDecay() > 0) {
                w.muli(1 - lr * settings.weightDecay());
            }
            INDArray denom = Transforms.sqrt(vt, true).divi(Math.sqrt(bc2)).addi(settings.epsilon());
            w.subi(mt.div(denom).muli(lr / bc1));
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
