package dev.condense.spark.train;

import java.io.Serializable;

/** The per-round facts every replica needs to plan its batches: round index (0-based), K, batch size, seed. */
record RoundPlan(int round, int localSteps, int batchSize, long seed, int threadsPerTask) implements Serializable {
}
