package dev.condense.spark.train;

import dev.condense.models.train.LocalTrainer;

import java.io.Serializable;

/**
 * Builds a replica's trainer on the executor. Shipped with each round's tasks, so it holds only settings and
 * broadcasts (e.g. the teacher's bytes), never a live model.
 */
@FunctionalInterface
public interface TrainerFactory extends Serializable {

    LocalTrainer create();
}
