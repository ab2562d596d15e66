package dev.condense.spark.train;

/**
 * A round produced a non-finite loss or weight. The round is not applied or checkpointed, so the run can resume
 * from its last good round once the cause (usually the learning rate) is fixed.
 */
public final class TrainingDivergedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TrainingDivergedException(String message) {
        super(message);
    }
}
