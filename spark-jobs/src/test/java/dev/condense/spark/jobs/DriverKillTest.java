package dev.condense.spark.jobs;

import dev.condense.spark.SparkTestSession;
import dev.condense.spark.pipeline.FinetuneJob;
import dev.condense.spark.settings.SettingsLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver is a separate JVM running {@code condense finetune}; it is killed (SIGKILL, no shutdown hooks) once a
 * mid-run checkpoint exists. Rerunning the same run id resumes from that checkpoint and must end with exactly the
 * model an uninterrupted run writes.
 */
class DriverKillTest {

    private static final int ROUNDS = 6;

    @TempDir
    Path dir;

    @Test
    void aKilledRunResumesToTheSameModelAsAnUninterruptedOne() throws Exception {
        Path rows = SparkTestSession.sst2Rows(dir.resolve("sst2-192.tsv"), 2000, 192);
        List<String> overrides = List.of("data.train=" + rows, "data.dev=" + rows, "run.output=" + dir.resolve("runs"),
                "finetune.rounds=" + ROUNDS, "finetune.local-steps=2", "finetune.batch-size=8",
                "evaluate.batch-size=64");

        Path killedRun = dir.resolve("runs/killed");
        Process first = launch(overrides, "killed", dir.resolve("first.log"));
        Path checkpoint = killedRun.resolve("checkpoints/finetune-round-00002.ckpt");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.exists(checkpoint) && first.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(Files.exists(checkpoint), "no mid-run checkpoint; log:\n" + Files.readString(dir.resolve("first.log")));
        first.destroyForcibly().waitFor();
        assertTrue(Files.notExists(killedRun.resolve("teacher/model.bin")), "killed before it finished");

        Process second = launch(overrides, "killed", dir.resolve("second.log"));
        assertTrue(second.waitFor(5, TimeUnit.MINUTES), "the rerun finishes");
        String log = Files.readString(dir.resolve("second.log"));
        assertEquals(0, second.exitValue(), log);
        assertTrue(log.matches("(?s).*finetune: resuming after round [2-5]/" + ROUNDS + ".*"), log);

        List<String> reference = new ArrayList<>(overrides);
        reference.add("run.id=uninterrupted");
        FinetuneJob.run(SparkTestSession.start(), SettingsLoader.load("", "test", reference), line -> { });
        assertArrayEquals(Files.readAllBytes(dir.resolve("runs/uninterrupted/teacher/model.bin")),
                Files.readAllBytes(killedRun.resolve("teacher/model.bin")), "resumed model = uninterrupted model");
    }

    /** {@code condense finetune} in its own JVM, as spark-submit's client-mode driver would run it. */
    private static Process launch(List<String> overrides, String runId, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + Path.of("..", "deploy", "jvm-options").toAbsolutePath(), "-Xmx3g",
                "-cp", System.getProperty("java.class.path"),
                Condense.class.getName(), "finetune"));
        command.addAll(overrides);
        command.add("run.id=" + runId);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
