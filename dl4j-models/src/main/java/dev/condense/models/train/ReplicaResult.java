package dev.condense.models.train;

import dev.condense.models.state.TensorMap;

/**
 * What one replica hands back after its local steps: its final state, the summed loss, the number of examples it
 * saw (its weight in the average), and quantities to be summed over replicas rather than averaged: this round's
 * score increments and counters such as the layer mapping.
 */
public record ReplicaResult(TrainingState state, double lossSum, long examples, int steps, TensorMap sums) {

    public ReplicaResult(TrainingState state, double lossSum, long examples, int steps) {
        this(state, lossSum, examples, steps, new TensorMap());
    }
}
