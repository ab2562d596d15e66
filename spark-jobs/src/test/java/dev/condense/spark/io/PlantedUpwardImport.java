package dev.condense.spark.io;

import dev.condense.spark.pipeline.PruneJob;

/** A class in {@code io} that reaches up to a pipeline stage: what ArchitectureTest must refuse. */
public final class PlantedUpwardImport {

    private PlantedUpwardImport() {
    }

    static Class<?> reachesUp() {
        return PruneJob.class;
    }
}
