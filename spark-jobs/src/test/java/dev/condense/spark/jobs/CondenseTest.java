package dev.condense.spark.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The entry point's exit codes and messages, as a scheduler and a user see them. */
class CondenseTest {

    @TempDir
    Path dir;

    @Test
    void badSettingsExitWithTwoBeforeAnySparkWork() {
        CommandRun r = CommandRun.of("finetune", "finetune.learning-rte=0.1");
        assertEquals(Condense.BAD_SETTINGS, r.code());
        assertTrue(r.err().contains("unknown setting condense.finetune.learning-rte"), r.err());
        assertEquals(Condense.BAD_SETTINGS, CommandRun.of("finetune", "finetune.learning-rate=-1").code());
        assertEquals(Condense.BAD_SETTINGS, CommandRun.of("compress-everything").code());
        assertEquals(Condense.BAD_SETTINGS, CommandRun.of().code());
        CommandRun missingConfig = CommandRun.of("finetune", "--config", dir.resolve("nope.conf").toString());
        assertEquals(Condense.BAD_SETTINGS, missingConfig.code());
        assertTrue(missingConfig.err().contains("nope.conf"), missingConfig.err());
    }

    @Test
    void missingInputExitsWithThreeNamingThePathAndWritesNothing() {
        Path out = dir.resolve("runs");
        CommandRun r = CommandRun.of("finetune", "data.train=" + dir.resolve("missing.tsv"), "run.output=" + out,
                "spark.master=\"local[1]\"");
        assertEquals(Condense.BAD_DATA, r.code());
        assertTrue(r.err().contains("missing.tsv"), r.err());
        assertFalse(Files.exists(out.resolve("sst2-minilm/teacher")));
    }

    @Test
    void badRowExitsWithThreeNamingFileAndLine() throws Exception {
        Path tsv = dir.resolve("bad.tsv");
        Files.writeString(tsv, "sentence\tlabel\nfine\t1\nnot fine\tmaybe\n");
        CommandRun r = CommandRun.of("finetune", "data.train=" + tsv, "data.dev=../data-samples/sst2/dev.tsv",
                "run.output=" + dir.resolve("runs"),
                "spark.master=\"local[1]\"");
        assertEquals(Condense.BAD_DATA, r.code());
        assertTrue(r.err().contains(tsv + ":3: label 'maybe' is not one of [0, 1]"), r.err());
    }

    @Test
    void inASharedSessionAFailureIsThrownAndTheSessionKeepsRunning() throws Exception {
        Path tsv = dir.resolve("bad.tsv");
        Files.writeString(tsv, "sentence\tlabel\nfine\t1\nnot fine\tmaybe\n");
        org.apache.spark.api.java.JavaSparkContext sc = dev.condense.spark.SparkTestSession.start();
        org.apache.spark.sql.SparkSession host = org.apache.spark.sql.SparkSession.builder().getOrCreate();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Condense.runInSession(host,
                new String[] {"finetune", "data.train=" + tsv, "data.dev=../data-samples/sst2/dev.tsv",
                        "run.output=" + dir.resolve("runs")}));
        assertTrue(e.getMessage().contains("exit code 3 (bad input data)"), e.getMessage());
        assertFalse(sc.sc().isStopped(), "the host's session is left running");
    }

}
