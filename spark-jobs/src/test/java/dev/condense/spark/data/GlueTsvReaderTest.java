package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.models.text.Encoding;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsLoader;
import dev.condense.spark.train.DistributedTrainerTest;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GlueTsvReaderTest {

    private static final dev.condense.models.text.WordPieceTokenizer MINILM = minilm();

    private static dev.condense.models.text.WordPieceTokenizer minilm() {
        try {
            return dev.condense.models.pretrained.MiniLm.tokenizer();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    @Test
    void readsEveryRowOfTheRealDevSet() {
        LabeledRows r = new GlueTsvReader(settings().data(), "../data-samples/sst2/dev.tsv").read(sc);
        assertEquals(872, r.count());
        assertEquals(0, r.skipped());
        assertEquals(444, r.rows().filter(t -> t.label() == 1).count());
    }

    @Test
    void wrongColumnCountFailsWithFileAndLine() throws IOException {
        Path f = write("sentence\tlabel\ngood movie\t1\nbad movie\t0\textra\nfine\t1\n");
        DataException e = assertThrows(DataException.class, () -> read(f));
        assertTrue(e.getMessage().contains(f + ":3: expected 2 tab-separated columns, found 3"), e.getMessage());
    }

    @Test
    void unknownLabelEmptyTextAndBadUtf8AreEachNamed() throws IOException {
        assertMessage(write("sentence\tlabel\ngood\t1\nbad\tnegative\n"), ":3: label 'negative' is not one of [0, 1]");
        assertMessage(write("sentence\tlabel\n  \t1\n"), ":2: empty text in column 'sentence'");
        byte[] bad = "sentence\tlabel\nok\t1\n".getBytes(StandardCharsets.UTF_8);
        byte[] tail = {(byte) 0xC3, (byte) 0x28, '\t', '0', '\n'};
        Path f = dir.resolve("utf8.tsv");
        Files.write(f, concat(bad, tail));
        assertMessage(f, ":3: invalid UTF-8");
    }

    @Test
    void skipModeDropsAndCountsBadRows() throws IOException {
        Path f = write("sentence\tlabel\ngood\t1\nbad\t7\nfine\t0\n\t1\n");
        CondenseSettings s = SettingsLoader.load("", "t", List.of("data.bad-rows=skip"));
        LabeledRows r = new GlueTsvReader(s.data(), f.toString()).read(sc);
        assertEquals(2, r.count());
        assertEquals(2, r.skipped());
        assertEquals(2, r.rows().count());
    }

    @Test
    void missingPathEmptyDataAndMissingColumnAreReported() throws IOException {
        DataException missing = assertThrows(DataException.class, () -> read(dir.resolve("nope.tsv")));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        assertMessage(write("sentence\tlabel\n"), "no valid data rows");
        assertMessage(write("text\tlabel\nx\t1\n"), ":1: the header has no column 'sentence'");
    }

    @Test
    void sentencePairsAreTokenizedWithSegmentIds() {
        CondenseSettings s = SettingsLoader.load("", "t", List.of("data.text-column=sentence1",
                "data.text-pair-column=sentence2", "data.labels=[entailment, not_entailment]"));
        LabeledRows r = new GlueTsvReader(s.data(), "../data-samples/rte/dev.tsv").read(sc);
        assertEquals(139, r.count());
        JavaRDD<Example> ex = ShardedExamples.shard(ShardedExamples.tokenize(r.rows(), 128, MINILM), 2, 1);
        Example first = ex.first();
        int[] types = ((Encoding) first.input()).typeIds();
        assertEquals(0, types[0]);
        assertEquals(1, types[types.length - 1]);
        assertEquals(102, ((Encoding) first.input()).ids()[types.length - 1]);
        assertEquals(139, ex.count());
    }

    @Test
    void shardsAreTheSameOnEveryRun() {
        LabeledRows r = new GlueTsvReader(settings().data(), "../data-samples/sst2/dev.tsv").read(sc);
        List<List<Example>> a = DistributedTrainerTest.byPartition(
                ShardedExamples.shard(ShardedExamples.tokenize(r.rows(), 64, MINILM), 3, 9));
        List<List<Example>> b = DistributedTrainerTest.byPartition(
                ShardedExamples.shard(ShardedExamples.tokenize(r.rows(), 64, MINILM), 3, 9));
        assertEquals(a, b);
        assertEquals(872, a.stream().mapToInt(List::size).sum());
        assertTrue(a.stream().allMatch(p -> p.size() > 200), "shards are balanced");
    }

    private static CondenseSettings settings() {
        return SettingsLoader.defaults();
    }

    private void assertMessage(Path f, String expected) {
        DataException e = assertThrows(DataException.class, () -> read(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private void read(Path f) {
        new GlueTsvReader(settings().data(), f.toString()).read(sc);
    }

    private Path write(String text) throws IOException {
        Path f = Files.createTempFile(dir, "rows", ".tsv");
        Files.writeString(f, text);
        return f;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void aByteOrderMarkBeforeTheHeaderIsIgnored() throws Exception {
        Path tsv = dir.resolve("bom.tsv");
        Files.writeString(tsv, "\uFEFFsentence\tlabel\ngood film\t1\nbad film\t0\n");
        assertEquals(2, new GlueTsvReader(settings().data(), tsv.toString()).read(sc).count());
    }

    /** gzip named .gz is read like Hadoop reads it; gzip under a .tsv name is refused without dumping bytes. */
    @Test
    void compressedFilesAreReadByTheirNameOrRefusedClearly() throws Exception {
        byte[] text = "sentence\tlabel\ngood film\t1\nbad film\t0\n".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(text);
        }
        Path named = dir.resolve("train.tsv.gz");
        Files.write(named, gz.toByteArray());
        assertEquals(2, new GlueTsvReader(settings().data(), named.toString()).read(sc).count());

        Path disguised = dir.resolve("train.tsv");
        Files.write(disguised, gz.toByteArray());
        DataException e = assertThrows(DataException.class,
                () -> new GlueTsvReader(settings().data(), disguised.toString()).read(sc));
        assertTrue(e.getMessage().startsWith(disguised + ":1: not UTF-8 text"), e.getMessage());
        assertTrue(e.getMessage().chars().allMatch(c -> c >= 0x20 && c != 0xFFFD), "no binary in the message");
    }
}
