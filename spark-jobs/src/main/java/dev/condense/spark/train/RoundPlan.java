package dev.condense.spark.train;

import java.io.Serializable;

/**
 * The per-round facts every replica needs: round index (0-based), K, batch size and seed to plan its batches, its
 * native threads, and how its result reaches the driver: in {@code resultPieces} pieces through Spark
 * ({@link RoundAverage#split}), or whole through the {@link InJvmExchange} named {@code exchange} (null: through
 * Spark).
 */
record RoundPlan(int round, int localSteps, int batchSize, long seed, int threadsPerTask, int resultPieces,
                 String exchange) implements Serializable {
}
