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
    void newestIntactCheckpointWinsAndOldOnesArePruned() {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        for (int round = 1; round <= 4; round++) {
            c.save("finetune", round, new byte[] {(byte) round, 42});
        }
        Checkpoints.Checkpoint latest = c.latest("finetune").orElseThrow();
        assertEquals(4, latest.round());
        assertArrayEquals(new byte[] {4, 42}, latest.payload());
        assertEquals(2, run.resolve("checkpoints").toFile().list((d, n) -> n.endsWith(".ckpt")).length);
        assertTrue(c.latest("prune").isEmpty());
    }

    @Test
    void aPayloadSavedInPartsReadsBackAsTheirConcatenation() throws IOException {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        c.save("prune", 1, new byte[] {1, 2}, new byte[0], new byte[] {3});
        assertArrayEquals(new byte[] {1, 2, 3}, c.latest("prune").orElseThrow().payload());
        String file = run.resolve("checkpoints").resolve(Checkpoints.fileName("prune", 1)).toString();
        assertArrayEquals(new byte[] {1, 2, 3}, Checkpoints.read(new Configuration(), file), "length and CRC cover every part");
    }

    @Test
    void truncatedOrCorruptCheckpointIsNeverLoaded() throws IOException {
        Checkpoints c = new Checkpoints(new Configuration(), run.toString());
        c.save("finetune", 1, new byte[] {1, 2, 3, 4});
        c.save("finetune", 2, new byte[] {5, 6, 7, 8});
        Path newest = run.resolve("checkpoints/finetune-round-00002.ckpt");
        try (RandomAccessFile f = new RandomAccessFile(newest.toFile(), "rw")) {
            f.setLength(f.length() - 1);
        }
        assertEquals(1, c.latest("finetune").orElseThrow().round());
        IOException e = assertThrows(IOException.class,
                () -> Checkpoints.read(new Configuration(), newest.toString()));
        assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());

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
        first.save("finetune", 1, new byte[] {1});

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
        made.save("finetune", 3, new byte[] {1});
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
        made.save("finetune", 1, new byte[] {1});

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
}
