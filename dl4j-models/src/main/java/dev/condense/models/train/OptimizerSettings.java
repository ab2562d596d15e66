package dev.condense.models.train;

import java.io.Serializable;
import java.util.Set;

/**
 * How a replica trains: AdamW's constants, gradient clipping, which weights stay frozen, how much faster learned
 * pruning scores move than weights (movement pruning trains scores at about 100× the weights' rate), and the constant
 * rate of Lagrange multipliers ({@code multipliers.*}). Built and validated once on the driver, then shipped to
 * executors with the job.
 *
 * @param multiplierLearningRate the rate of every {@code multipliers.*} extra at every step, outside the schedule: a
 *                               multiplier must be able to fall as fast late in training, once its budget is met,
 *                               as it rose early (CoFi gives its λ an optimizer of their own for this reason)
 */
public record OptimizerSettings(
        LearningRateSchedule schedule,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        double maxGradNorm,
        Set<String> frozen,
        double scoreLearningRateScale,
        double multiplierLearningRate) implements Serializable {

    /** CoFi's learning rate for its Lagrange multipliers. */
    public static final double DEFAULT_MULTIPLIER_LEARNING_RATE = 0.01;

    /** Learned pruning scores ({@code scores.*}) train at the same rate as the weights. */
    public OptimizerSettings(LearningRateSchedule schedule, double beta1, double beta2, double epsilon,
                             double weightDecay, double maxGradNorm, Set<String> frozen) {
        this(schedule, beta1, beta2, epsilon, weightDecay, maxGradNorm, frozen, 1.0);
    }

    /** With the default multiplier rate. */
    public OptimizerSettings(LearningRateSchedule schedule, double beta1, double beta2, double epsilon,
                             double weightDecay, double maxGradNorm, Set<String> frozen,
                             double scoreLearningRateScale) {
        this(schedule, beta1, beta2, epsilon, weightDecay, maxGradNorm, frozen, scoreLearningRateScale,
                DEFAULT_MULTIPLIER_LEARNING_RATE);
    }

    public OptimizerSettings {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !(weightDecay >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, weight decay and max-grad-norm >= 0");
        }
        frozen = Set.copyOf(frozen);
        if (!(scoreLearningRateScale > 0) || !(multiplierLearningRate > 0)) {
            throw new IllegalArgumentException("score learning-rate scale and multiplier learning rate must be > 0");
        }
    }
}
