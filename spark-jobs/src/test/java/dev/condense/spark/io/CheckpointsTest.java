package dev.condense.spark.io;

import dev.condense.spark.settings.SettingsException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointsTest {

    @TempDir
    Path run;

    @Test
    void newestIntactCheckpointWinsAndOldOnesArePruned() throws IOException {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        for (int round = 1; round <= 4; round++) {
            byte[] payload = {(byte) round, 42};
            c.save("finetune", round, out -> out.write(payload));
        }
        Checkpoints.Checkpoint latest = c.latest("finetune").orElseThrow();
        assertEquals(4, latest.round());
        assertArrayEquals(new byte[] {4, 42}, payload(latest));
        assertEquals(2, run.resolve("checkpoints").toFile().list((d, n) -> n.endsWith(".ckpt")).length);
        assertTrue(c.latest("prune").isEmpty());
    }

    @Test
    void aPayloadIsWrittenAndReadInAStream() throws IOException {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        byte[] large = new byte[300_000];
        new java.util.Random(7).nextBytes(large);
        c.save("prune", 1, out -> {
            out.writeInt(large.length);
            for (int i = 0; i < large.length; i += 1000) {
                out.write(large, i, 1000);
            }
        });
        Checkpoints.Checkpoint latest = c.latest("prune").orElseThrow();
        byte[] back = latest.read(in -> {
            assertEquals(4 + large.length, in.available(), "the parser sees the payload's exact length");
            byte[] b = new byte[in.readInt()];
            in.readFully(b);
            assertEquals(-1, in.read(), "and nothing past it");
            return b;
        });
        assertArrayEquals(large, back);
        Path file = run.resolve("checkpoints").resolve(Checkpoints.fileName("prune", 1));
        assertEquals(16 + 4 + large.length, Files.size(file), "header, then the payload once");
    }

    @Test
    void aPayloadThatWritesDifferentBytesTheSecondTimeIsNotSaved() {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        int[] calls = {0};
        assertThrows(java.io.UncheckedIOException.class, () -> c.save("prune", 1, out -> out.writeInt(calls[0]++)));
        assertTrue(c.latest("prune").isEmpty());
        assertEquals(0, run.resolve("checkpoints").toFile().list().length, "no file, not even a temporary one");
    }

    @Test
    void truncatedOrCorruptCheckpointIsNeverLoaded() throws IOException {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        c.save("finetune", 1, out -> out.write(new byte[] {1, 2, 3, 4}));
        c.save("finetune", 2, out -> out.write(new byte[] {5, 6, 7, 8}));
        Path newest = run.resolve("checkpoints/finetune-round-00002.ckpt");
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.setLength(f.length() - 1);
        }
        assertEquals(1, c.latest("finetune").orElseThrow().round());

        Path older = run.resolve("checkpoints/finetune-round-00001.ckpt");
        byte[] bytes = Files.readAllBytes(older);
        bytes[bytes.length - 1] ^= 1;
        Files.write(older, bytes);
        assertTrue(c.latest("finetune").isEmpty());
    }

    @Test
    void resumeUnderOtherSettingsIsRefusedNamingEveryChangedKey() {
        SortedMap<String, String> identity = new TreeMap<>(Map.of("finetune.seed", "42", "data.train", "\"a.tsv\""));
        Checkpoints first = new Checkpoints(new Configuration(), run.toString());
        first.bind("finetune", identity);
        assertTrue(!Files.exists(run.resolve("checkpoints/finetune.settings")), "nothing is written before a round");
        first.save("finetune", 1, out -> out.write(1));

        new Checkpoints(new Configuration(), run.toString()).bind("finetune", identity);
        SortedMap<String, String> changed = new TreeMap<>(Map.of("finetune.seed", "7", "spark.partitions", "4"));
        SettingsException e = assertThrows(SettingsException.class,
                () -> new Checkpoints(new Configuration(), run.toString()).bind("finetune", changed));
        assertTrue(e.getMessage().contains("condense.data.train was \"a.tsv\", is now unset; "
                + "condense.finetune.seed was 42, is now 7; condense.spark.partitions was unset, is now 4"),
                e.getMessage());
        new Checkpoints(new Configuration(), run.toString()).bind("prune", changed);
    }

    @Test
    void checkpointsWithoutTheirSettingsAreNotAdopted() throws IOException {
        SortedMap<String, String> identity = new TreeMap<>(Map.of("model.pretrained", "speech"));
        Checkpoints made = new Checkpoints(new Configuration(), run.toString());
        made.bind("finetune", identity);
        made.save("finetune", 3, out -> out.write(1));
        Files.delete(run.resolve("checkpoints/finetune.settings"));
        SettingsException e = assertThrows(SettingsException.class,
                () -> new Checkpoints(new Configuration(), run.toString()).bind("finetune", identity));
        assertTrue(e.getMessage().contains("finetune.settings") && e.getMessage().contains("new condense.run.id"),
                e.getMessage());
    }

    @Test
    void checkpointsMadeOnOtherDataAreRefused() {
        SortedMap<String, String> identity = new TreeMap<>(Map.of("finetune.seed", "42"));
        Checkpoints made = new Checkpoints(new Configuration(), run.toString());
        made.bind("finetune", identity);
        made.bindData("finetune", "160:5eed");
        made.save("finetune", 1, out -> out.write(1));

        Checkpoints same = new Checkpoints(new Configuration(), run.toString());
        same.bind("finetune", identity);
        same.bindData("finetune", "160:5eed");
        Checkpoints other = new Checkpoints(new Configuration(), run.toString());
        other.bind("finetune", identity);
        SettingsException e = assertThrows(SettingsException.class, () -> other.bindData("finetune", "160:beef"));
        assertTrue(e.getMessage().contains("made on other data (160:5eed") && e.getMessage().contains("160:beef"),
                e.getMessage());
    }

    @Test
    void atomicWriteLeavesNoTemporaryFiles() throws IOException {
        HadoopFiles.writeAtomically(new Configuration(), run.resolve("a.txt").toString(), "one");
        HadoopFiles.writeAtomically(new Configuration(), run.resolve("a.txt").toString(), "two");
        assertEquals("two", Files.readString(run.resolve("a.txt")));
        try (var files = Files.list(run)) {
            assertEquals(1, files.filter(p -> !p.getFileName().toString().endsWith(".crc")).count());
        }
    }

    private static byte[] payload(Checkpoints.Checkpoint checkpoint) throws IOException {
        return checkpoint.read(java.io.InputStream::readAllBytes);
    }
}
