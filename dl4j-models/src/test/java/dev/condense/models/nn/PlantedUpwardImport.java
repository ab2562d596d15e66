package dev.condense.models.nn;

import dev.condense.models.train.LocalTrainer;

/** A class in {@code nn} that reaches up to the training loop: what ArchitectureTest must refuse. */
public final class PlantedUpwardImport {

    private PlantedUpwardImport() {
    }

    static Class<?> reachesUp() {
        return LocalTrainer.class;
    }
}
