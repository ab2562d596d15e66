package dev.condense.spark.jobs;

import dev.condense.spark.run.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The entry point's exit codes and messages, as a scheduler and a user see them. */
class CondenseTest {

    @TempDir
    Path dir;

    /** --help, a command's --help and --version answer on stdout with exit code 0, before any settings are read. */
    @Test
    void helpAndVersionNeedNoSettings() {
        CommandRun help = CommandRun.of("--help");
        assertEquals(Condense.OK, help.code());
        for (String command : List.of("compress", "finetune", "prune", "shrink", "factorise", "evaluate", "export",
                "report")) {
            assertTrue(help.out().contains("\n  " + command + " "), help.out());
            CommandRun one = CommandRun.of(command, "--help", "finetune.learning-rte=0.1");
            assertEquals(Condense.OK, one.code(), one.err());
            assertTrue(one.out().startsWith("condense " + command + ": "), one.out());
        }
        CommandRun version = CommandRun.of("--version");
        assertEquals(Condense.OK, version.code());
        assertTrue(version.out().matches("(?s)condense \\d+\\.\\d+\\.\\d+.*\nspark 3\\.5\\.\\d+\n.*nd4j 1\\.0\\.0-M2\\.1\n.*"),
                version.out());
        CommandRun unknown = CommandRun.of("compres");
        assertEquals(Condense.BAD_SETTINGS, unknown.code());
        assertTrue(unknown.err().contains("unknown command 'compres'"), unknown.err());
    }

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

    /**
     * A clip is decoded on an executor, so its failure reaches the driver inside a SparkException, a checked
     * exception the RuntimeException handlers never saw: it used to end with exit 1 and a stage-failure trace.
     */
    @Test
    void aClipThatDoesNotDecodeExitsWithThreeNamingTheClip() throws Exception {
        Path no = Files.createDirectories(dir.resolve("clips/no"));
        Path yes = Files.createDirectories(dir.resolve("clips/yes"));
        Files.copy(Path.of("../data-samples/fsdd/dev/3_jackson_5.wav"), no.resolve("fine.wav"));
        Files.writeString(yes.resolve("noise.wav"), "this is not audio at all");
        Path out = dir.resolve("runs");
        CommandRun r = CommandRun.of("finetune", "model.pretrained=speech", "finetune.frozen=[]",
                "data.format=keywords", "data.labels=[no, yes]", "data.train=" + dir.resolve("clips"),
                "data.dev=" + dir.resolve("clips"), "run.output=" + out, "spark.master=\"local[1]\"");
        assertEquals(Condense.BAD_DATA, r.code(), r.err());
        assertTrue(r.err().contains("condense: bad input: ") && r.err().contains("noise.wav"), r.err());
        assertFalse(r.err().contains("condense: failed"), r.err());
        assertFalse(Files.exists(out.resolve("sst2-minilm")), "nothing is written for a run that fails on its data");
    }

    /** The dev set is read and checked before the first training step, not after a finished training run. */
    @Test
    void aBadDevRowFailsBeforeTrainingAndWritesNothing() throws Exception {
        Path devTsv = dir.resolve("dev.tsv");
        Files.writeString(devTsv, "sentence\tlabel\nfine\t1\nnot fine\tmaybe\n");
        Path out = dir.resolve("runs");
        CommandRun r = CommandRun.of("finetune", "data.train=../data-samples/sst2/train.tsv", "data.dev=" + devTsv,
                "data.train-limit=64", "finetune.rounds=50", "run.output=" + out, "spark.master=\"local[1]\"");
        assertEquals(Condense.BAD_DATA, r.code(), r.err());
        assertTrue(r.err().contains(devTsv + ":3: label 'maybe' is not one of [0, 1]"), r.err());
        assertFalse(Files.exists(out.resolve("sst2-minilm")), "no teacher and no checkpoint without dev metrics");
    }

    /** A model trained on [0, 1] and scored with [1, 0] used to swap its classes without a word. */
    @Test
    void evaluatingWithLabelsInAnotherOrderIsRefused() {
        String model = dir.resolve("model").toString();
        ModelStore.save(new org.apache.hadoop.conf.Configuration(), model,
                dev.condense.models.encoder.TinyEncoders.randomState(
                        dev.condense.models.encoder.TinyEncoders.spec().withNumLabels(2), 1),
                java.util.List.of("0", "1"), "");
        CommandRun r = CommandRun.of("evaluate", "evaluate.model=" + model, "data.labels=[\"1\", \"0\"]",
                "data.dev=../data-samples/sst2/dev.tsv", "run.output=" + dir.resolve("runs"),
                "spark.master=\"local[1]\"");
        assertEquals(Condense.BAD_SETTINGS, r.code(), r.err());
        assertTrue(r.err().contains("was trained with labels [0, 1] (in class order) but condense.data.labels is "
                + "[1, 0]"), r.err());
    }

    /** Copied without Hadoop's .crc sidecar and then damaged, a model used to evaluate with exit 0. */
    @Test
    void aDamagedModelCopiedWithoutItsSidecarIsRefusedByName() throws Exception {
        Path original = dir.resolve("model");
        ModelStore.save(new org.apache.hadoop.conf.Configuration(), original.toString(),
                dev.condense.models.encoder.TinyEncoders.randomState(
                        dev.condense.models.encoder.TinyEncoders.spec().withNumLabels(2), 1),
                java.util.List.of("0", "1"), "");
        Path copy = Files.createDirectories(dir.resolve("copied")).resolve("model.bin");
        byte[] bytes = Files.readAllBytes(original.resolve("model.bin"));
        bytes[bytes.length / 2] ^= 1;
        Files.write(copy, bytes);
        CommandRun r = CommandRun.of("evaluate", "evaluate.model=" + copy.getParent(),
                "data.dev=../data-samples/sst2/dev.tsv", "run.output=" + dir.resolve("runs"),
                "spark.master=\"local[1]\"");
        assertEquals(Condense.BAD_DATA, r.code(), r.err());
        assertTrue(r.err().contains("cannot read model " + copy) && r.err().contains("checksum mismatch"), r.err());
    }

    @Test
    void theExitCodeComesFromTheFirstKnownCauseInTheChain() {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream err = new java.io.PrintStream(bytes, true);
        Exception wrapped = new org.apache.spark.SparkException("Job aborted due to stage failure",
                new dev.condense.spark.io.DataException("clips/yes/a.wav: not a RIFF/WAVE file"));
        assertEquals(Condense.BAD_DATA, Condense.exitCode(wrapped, err));
        assertEquals("condense: bad input: clips/yes/a.wav: not a RIFF/WAVE file\n", bytes.toString());
        bytes.reset();
        assertEquals(Condense.FAILED, Condense.exitCode(new org.apache.spark.SparkException("lost executor"), err));
        assertTrue(bytes.toString().startsWith("condense: failed: org.apache.spark.SparkException: lost executor"));
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
