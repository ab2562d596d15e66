package dev.condense.models.train;

/**
 * What one replica hands back after its local steps: its final state, the summed loss and the number of examples
 * it saw (the weight of this replica in the average).
 */
public record ReplicaResult(TrainingState state, double lossSum, long examples, int steps) {
}
