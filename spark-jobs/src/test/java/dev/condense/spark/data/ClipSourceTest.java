package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.models.speech.Utterance;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real FSDD and Speech Commands clips listed through Hadoop, featurised on Spark executors. */
class ClipSourceTest {

    private static final List<String> DIGITS = List.of("data.format=fsdd",
            "data.labels=[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\"]");

    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    @Test
    void listsTheFsddDevSplitWithDigitLabelsAndStableDistinctIds() {
        ClipSource source = new ClipSource(settings(DIGITS).data(), "../data-samples/fsdd/dev");
        List<Clip> clips = source.list(sc.hadoopConfiguration());
        assertEquals(300, clips.size());
        Map<Integer, Long> perDigit = clips.stream().collect(Collectors.groupingBy(Clip::label,
                Collectors.counting()));
        assertEquals(10, perDigit.size());
        perDigit.values().forEach(n -> assertEquals(30L, n));
        Clip first = clips.get(0);
        assertTrue(first.path().endsWith("0_george_5.wav"), first.path());
        assertEquals(0, first.label());
        assertEquals(300, new HashSet<>(clips.stream().map(Clip::id).toList()).size());
        assertEquals(clips, source.list(sc.hadoopConfiguration()), "the same list and ids on every call");
    }

    @Test
    void keywordFoldersAreFeaturisedOnTheExecutors() {
        CondenseSettings s = settings(List.of("data.format=keywords", "data.labels=[no, yes]"));
        List<Example> examples = new ClipSource(s.data(), "../data-samples/speech-commands").examples(sc, s, 0)
                .collect();
        assertEquals(2, examples.size());
        for (Example e : examples) {
            Utterance u = (Utterance) e.input();
            assertEquals(80, u.features());
            assertEquals(98, u.frameCount(), "1 s at 16 kHz: 98 frames of 25 ms every 10 ms");
            assertEquals(25, u.length());
        }
        assertEquals(List.of(0, 1), examples.stream().map(Example::label).sorted().toList());
    }

    @Test
    void aBadlyNamedFsddClipIsNamedBeforeAnyClusterWork() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("fsdd"));
        Files.copy(Path.of("../data-samples/fsdd/dev/3_jackson_5.wav"), folder.resolve("3_jackson_5.wav"));
        Files.copy(Path.of("../data-samples/fsdd/dev/3_jackson_6.wav"), folder.resolve("three_jackson.wav"));
        DataException e = assertThrows(DataException.class,
                () -> new ClipSource(settings(DIGITS).data(), folder.toString()).check(sc));
        assertTrue(e.getMessage().contains("three_jackson.wav: not a Free Spoken Digit clip name"), e.getMessage());
    }

    @Test
    void aLabelWithoutClipsAndAMissingFolderAreNamed() {
        CondenseSettings s = settings(List.of("data.format=keywords", "data.labels=[no, yes, maybe]"));
        DataException none = assertThrows(DataException.class,
                () -> new ClipSource(s.data(), "../data-samples/speech-commands").check(sc));
        assertTrue(none.getMessage().contains("no clips of label 'maybe'"), none.getMessage());
        DataException missing = assertThrows(DataException.class,
                () -> new ClipSource(s.data(), dir.resolve("absent").toString()).check(sc));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    }

    /** A truncated clip fails its executor task with the clip's path and the reason. */
    /** A keyword folder may hold FLAC as well as WAV clips; both are read (a FLAC clip used to be skipped silently). */
    @Test
    void flacClipsInKeywordFoldersAreRead() throws IOException {
        Files.createDirectories(dir.resolve("mixed/yes"));
        Files.createDirectories(dir.resolve("mixed/no"));
        Files.copy(Path.of("../data-samples/fsdd/dev/3_jackson_5.wav"), dir.resolve("mixed/no/a.wav"));
        Files.copy(Path.of("../data-samples/transcribed/LibriSpeech/test-clean/1089/134686/1089-134686-0001.flac"),
                dir.resolve("mixed/yes/b.FLAC"));
        Files.writeString(dir.resolve("mixed/yes/notes.txt"), "not a clip");
        CondenseSettings s = settings(List.of("data.format=keywords", "data.labels=[no, yes]"));
        List<Example> examples = new ClipSource(s.data(), dir.resolve("mixed").toString()).examples(sc, s, 0)
                .collect();
        assertEquals(List.of(0, 1), examples.stream().map(Example::label).sorted().toList());
    }

    @Test
    void aTruncatedClipFailsWithItsPath() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("kw/yes"));
        byte[] clip = Files.readAllBytes(Path.of("../data-samples/fsdd/dev/3_jackson_5.wav"));
        Files.write(folder.resolve("cut.wav"), Arrays.copyOf(clip, clip.length / 2));
        Files.createDirectories(dir.resolve("kw/no"));
        Files.write(dir.resolve("kw/no/fine.wav"), clip);
        CondenseSettings s = settings(List.of("data.format=keywords", "data.labels=[no, yes]"));
        Exception e = assertThrows(Exception.class,
                () -> new ClipSource(s.data(), dir.resolve("kw").toString()).examples(sc, s, 0).collect());
        Throwable cause = e;
        while (cause != null && !(cause instanceof DataException)) {
            cause = cause.getCause();
        }
        assertTrue(cause != null && cause.getMessage().contains("cut.wav is truncated"), String.valueOf(e));
    }

    private static CondenseSettings settings(List<String> overrides) {
        return SettingsLoader.load("", "t", overrides);
    }
}
