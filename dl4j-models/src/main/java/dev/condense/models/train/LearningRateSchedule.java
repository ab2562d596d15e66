package dev.condense.models.train;

import java.io.Serializable;

/** Linear warm-up from 0 to the peak rate, then linear decay to 0 at the last step (BERT fine-tuning's schedule). */
public record LearningRateSchedule(double peak, long warmupSteps, long totalSteps) implements Serializable {

    public LearningRateSchedule {
        if (!(peak > 0)) {
            throw new IllegalArgumentException("peak learning rate must be > 0, got " + peak);
        }
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException(
                    "need 0 <= warmupSteps <= totalSteps and totalSteps > 0, got " + warmupSteps + ", " + totalSteps);
        }
    }

    /** The rate for optimizer step {@code step}, counted from 1. */
    public double at(long step) {
        if (step <= warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        long decaySteps = Math.max(1, totalSteps - warmupSteps);
        return peak * Math.max(0.0, (double) (totalSteps - step) / decaySteps);
    }
}
