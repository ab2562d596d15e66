package dev.condense.spark.train;

import dev.condense.spark.io.Checkpoints;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackgroundCheckpointsTest {

    @TempDir
    Path run;

    @Test
    void saveReturnsWhileTheWriteRunsAndCloseWaitsForIt() throws Exception {
        Checkpoints checkpoints = new Checkpoints(new Configuration(), run.toString());
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch writing = new CountDownLatch(1);
        try (BackgroundCheckpoints writer = new BackgroundCheckpoints(checkpoints)) {
            writer.save("t", 1, out -> {
                writing.countDown();
                await(release);
                out.writeInt(1);
            });
            assertTrue(writing.await(10, TimeUnit.SECONDS), "the write started");
            assertTrue(checkpoints.latest("t").isEmpty(), "save returned before its checkpoint was written");
            release.countDown();
        }
        assertEquals(1, checkpoints.latest("t").orElseThrow().round(), "close waited for it");
    }

    @Test
    void aFailedWriteStopsTheRunAtTheNextSave() {
        Checkpoints checkpoints = new Checkpoints(new Configuration(), run.toString());
        BackgroundCheckpoints writer = new BackgroundCheckpoints(checkpoints);
        writer.save("t", 1, out -> {
            throw new IOException("disk full");
        });
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> writer.save("t", 2, out -> { }));
        assertTrue(e.getMessage().contains("round 1"), e.getMessage());
        assertEquals("disk full", e.getCause().getMessage());
        assertFalse(checkpoints.latest("t").isPresent(), "neither round was written");
        writer.close();
    }

    @Test
    void aFailedLastWriteSurfacesAtClose() {
        Checkpoints checkpoints = new Checkpoints(new Configuration(), run.toString());
        BackgroundCheckpoints writer = new BackgroundCheckpoints(checkpoints);
        writer.save("t", 1, out -> out.writeInt(1));
        writer.save("t", 2, out -> {
            throw new IOException("disk full");
        });
        assertThrows(UncheckedIOException.class, writer::close);
        assertEquals(1, checkpoints.latest("t").orElseThrow().round());
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
