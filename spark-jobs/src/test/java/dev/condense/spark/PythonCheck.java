package dev.condense.spark;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Runs a Python check of the build (a script that stubs what is not installed here, e.g. Airflow or PySpark) with
 * the machine's python3; the calling test is skipped where there is none.
 */
public final class PythonCheck {

    private PythonCheck() {
    }

    /** Runs {@code script} (relative to the module), requires exit code 0 within a minute, returns its output. */
    public static String run(String script) throws Exception {
        assumeTrue(new File("/usr/bin/python3").canExecute(), "python3 is not installed");
        Process p = new ProcessBuilder("/usr/bin/python3", script).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), script + " did not finish in a minute");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
