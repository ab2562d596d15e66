package dev.condense.spark.jobs;

import dev.condense.spark.PythonCheck;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/schedule/condense_retrain_dag.py} imports without touching the disk and fails fast, without
 * retries, on the exit codes a retry cannot fix; its Python check runs here (Airflow stubbed, so only python3 is
 * needed, and the test is skipped where there is none).
 */
class RetrainDagTest {

    @Test
    void theDagParsesWithoutIoAndDoesNotRetryExitsTwoToFour() throws Exception {
        String out = PythonCheck.run("../deploy/schedule/test_condense_retrain_dag.py");
        assertTrue(out.contains("checks passed"), out);
    }
}
