package dev.condense.spark.jobs;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code deploy/schedule/condense_retrain_dag.py} imports without touching the disk and fails fast, without
 * retries, on the exit codes a retry cannot fix; its Python check runs here (Airflow stubbed, so only python3 is
 * needed, and the test is skipped where there is none).
 */
class RetrainDagTest {

    @Test
    void theDagParsesWithoutIoAndDoesNotRetryExitsTwoToFour() throws Exception {
        assumeTrue(new File("/usr/bin/python3").canExecute(), "python3 is not installed");
        Process p = new ProcessBuilder("/usr/bin/python3", "../deploy/schedule/test_condense_retrain_dag.py")
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the DAG check did not finish in a minute");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("checks passed"), out);
    }
}
