package dev.condense.models.train;

import dev.condense.models.encoder.Dropout;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How a replica trains: AdamW's constants, gradient clipping, which weights stay frozen, the parameter groups
 * (learned scores, gates, multipliers) that train at rates of their own, and dropout. Built and validated once on
 * the driver, then shipped to executors with the job.
 *
 * @param groups  tried in order; the first whose prefix matches a tensor's name sets its rate and decay. A tensor
 *                no group claims is a model weight.
 * @param dropout applied in every training step's forward pass
 */
public record OptimizerSettings(
        LearningRateSchedule schedule,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        double maxGradNorm,
        Set<String> frozen,
        List<ParameterGroup> groups,
        Dropout dropout) implements Serializable {

    /** Only model weights, no dropout. */
    public OptimizerSettings(LearningRateSchedule schedule, double beta1, double beta2, double epsilon,
                             double weightDecay, double maxGradNorm, Set<String> frozen) {
        this(schedule, beta1, beta2, epsilon, weightDecay, maxGradNorm, frozen, List.of());
    }

    /** No dropout. */
    public OptimizerSettings(LearningRateSchedule schedule, double beta1, double beta2, double epsilon,
                             double weightDecay, double maxGradNorm, Set<String> frozen, List<ParameterGroup> groups) {
        this(schedule, beta1, beta2, epsilon, weightDecay, maxGradNorm, frozen, groups, Dropout.NONE);
    }

    public OptimizerSettings {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("betas must lie in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0) || !(weightDecay >= 0) || !(maxGradNorm >= 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, weight decay and max-grad-norm >= 0");
        }
        frozen = Set.copyOf(frozen);
        groups = List.copyOf(groups);
        Objects.requireNonNull(dropout, "dropout");
    }

    /** The same settings with {@code more} groups, tried after the existing ones. */
    public OptimizerSettings withGroups(List<ParameterGroup> more) {
        List<ParameterGroup> all = new ArrayList<>(groups);
        all.addAll(more);
        return new OptimizerSettings(schedule, beta1, beta2, epsilon, weightDecay, maxGradNorm, frozen, all, dropout);
    }

    /** The group that claims {@code parameter}, or null for a model weight. */
    ParameterGroup groupOf(String parameter) {
        for (ParameterGroup g : groups) {
            if (g.claims(parameter)) {
                return g;
            }
        }
        return null;
    }
}
