package dev.condense.spark.jobs;

import org.apache.spark.sql.SparkSession;

/**
 * The entry point for hosts that own the Spark session, such as a Databricks JAR task
 * ({@code deploy/databricks/condense-job.json}): the same commands as {@link Condense}, run in the host's session,
 * which is left running; a failure is thrown rather than passed to {@code System.exit}, which such hosts forbid.
 */
public final class SharedSessionMain {

    private SharedSessionMain() {
    }

    public static void main(String[] args) {
        Condense.runInSession(SparkSession.builder().getOrCreate(), args);
    }
}
