package dev.condense.models.train;

import java.io.Serializable;

/**
 * Trainable tensors whose names start with one prefix and train at a rate of their own: learned pruning scores,
 * rank gates, Lagrange multipliers. Everything no group claims is a model weight, trained at the schedule's rate
 * with weight decay (biases and LayerNorm parameters excepted).
 *
 * @param name   what the group is, for messages
 * @param prefix the names it claims
 * @param rate   with {@code relative}, a multiple of the weights' rate at every step (so the group follows their
 *               warm-up and decay); otherwise the rate itself, constant at every step (a Lagrange multiplier must
 *               be able to fall as fast late in training, once its budget is met, as it rose early)
 * @param decay  whether decoupled weight decay applies (not to scores, gates or multipliers: their size is a
 *               decision, not a capacity to regularise)
 */
public record ParameterGroup(String name, String prefix, double rate, boolean relative, boolean decay)
        implements Serializable {

    public ParameterGroup {
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException("parameter group " + name + " needs a name prefix");
        }
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("parameter group " + name + ": rate must be finite and > 0, got "
                    + rate);
        }
    }

    /** Trains at {@code scale} × the weights' rate, without weight decay. */
    public static ParameterGroup scaled(String name, String prefix, double scale) {
        return new ParameterGroup(name, prefix, scale, true, false);
    }

    /**
     * Peaks at {@code peakRate} where the weights' schedule peaks, with the same warm-up and decay (the reference
     * movement-pruning code runs its scores' own rate through the weights' scheduler), without weight decay.
     */
    public static ParameterGroup peakingAt(String name, String prefix, double peakRate, LearningRateSchedule weights) {
        return scaled(name, prefix, peakRate / weights.peak());
    }

    /** Trains at {@code rate} at every step, outside the schedule, without weight decay. */
    public static ParameterGroup constant(String name, String prefix, double rate) {
        return new ParameterGroup(name, prefix, rate, false, false);
    }

    public boolean claims(String parameter) {
        return parameter.startsWith(prefix);
    }

    /** The group's rate at a step where the weights train at {@code weightRate}. */
    public double rateAt(double weightRate) {
        return relative ? weightRate * rate : rate;
    }
}
