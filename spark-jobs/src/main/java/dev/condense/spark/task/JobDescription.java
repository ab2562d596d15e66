package dev.condense.spark.task;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * Names the Spark jobs of a block in the UI and restores the caller's description when the block ends. Only the
 * description changes: the caller's job group stays, since a notebook cell cancels its jobs through it (Databricks'
 * Cancel button) and {@code clearJobGroup}, which also clears the description, would take it away.
 * <pre>{@code try (JobDescription d = JobDescription.set(sc, "prune: round 3/32")) { ... } }</pre>
 */
public final class JobDescription implements AutoCloseable {

    /** Spark's local property behind {@code setJobDescription}. */
    static final String PROPERTY = "spark.job.description";

    private final JavaSparkContext sc;
    private final String previous;

    private JobDescription(JavaSparkContext sc, String previous) {
        this.sc = sc;
        this.previous = previous;
    }

    public static JobDescription set(JavaSparkContext sc, String description) {
        JobDescription d = new JobDescription(sc, sc.getLocalProperty(PROPERTY));
        sc.setJobDescription(description);
        return d;
    }

    /** Puts the caller's description back (none if it had none). */
    @Override
    public void close() {
        sc.setLocalProperty(PROPERTY, previous);
    }
}
