package dev.condense.spark.train;

import java.io.Serializable;

/**
 * The per-round facts every replica needs: round index (0-based), K, batch size and seed to plan its batches, its
 * native threads, and the number of pieces its result travels in ({@link RoundAverage#split}).
 */
record RoundPlan(int round, int localSteps, int batchSize, long seed, int threadsPerTask, int resultPieces)
        implements Serializable {
}
