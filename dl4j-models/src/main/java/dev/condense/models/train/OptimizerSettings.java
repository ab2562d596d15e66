package dev.condense.models.train;

import java.io.Serializable;
import java.util.Set;

/**
 * How a replica trains: AdamW's constants, gradient clipping and which weights stay frozen. Built and validated
 * once on the driver, then shipped to executors with the job.
 */
public record OptimizerSettings(
        LearningRateSchedule schedule,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        double maxGradNorm,
        Set<String> frozen) implements Serializable {

    public OptimizerSettings {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !(weightDecay >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, weight decay and max-grad-norm >= 0");
        }
        frozen = Set.copyOf(frozen);
    }
}
