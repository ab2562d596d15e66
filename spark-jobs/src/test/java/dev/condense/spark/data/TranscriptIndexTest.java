package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.models.speech.Characters;
import dev.condense.models.speech.Utterance;
import dev.condense.models.train.CtcLoss;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real LibriSpeech and LJSpeech samples, paired with their transcripts and featurised on Spark executors. */
class TranscriptIndexTest {

    private static final Path SAMPLES = Path.of("../data-samples/transcribed");
    private static final Path CHAPTER = SAMPLES.resolve("LibriSpeech/test-clean/1089/134686");
    private static final CondenseSettings SETTINGS = SettingsLoader.load("", "t", List.of("data.format=transcribed"));

    private static JavaSparkContext sc;

    @TempDir
    Path dir;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    @Test
    void bothLayoutsArePairedWithTheirNormalisedTranscripts() {
        List<Clip> clips = source(SAMPLES).list(sc.hadoopConfiguration());
        assertEquals(36, clips.size(), "4 LibriSpeech and 32 LJSpeech utterances");
        Map<String, String> text = clips.stream().collect(Collectors.toMap(
                c -> Path.of(c.path()).getFileName().toString(), c -> Characters.decode(c.transcript())));
        assertEquals("he could wait no longer", text.get("1089-134691-0000.flac"));
        assertEquals("stuff it into you his belly counselled him", text.get("1089-134686-0001.flac"));
        assertEquals("in being comparatively modern", text.get("LJ001-0002.flac"));
        assertTrue(text.get("LJ001-0001.flac").startsWith("printing in the only sense"), text.get("LJ001-0001.flac"));
        assertEquals(36, new HashSet<>(clips.stream().map(Clip::id).toList()).size());
        assertEquals(Characters.SYMBOLS, SETTINGS.data().labels(), "the characters are the labels");
    }

    @Test
    void utterancesAreDecodedFromFlacAndFeaturisedOnTheExecutors() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("LibriSpeech/1089/134686"));
        for (String name : List.of("1089-134686.trans.txt", "1089-134686-0000.flac", "1089-134686-0001.flac")) {
            Files.copy(CHAPTER.resolve(name), folder.resolve(name));
        }
        List<Example> examples = source(dir).examples(sc, SETTINGS, 0).collect();
        assertEquals(2, examples.size());
        Map<Integer, Utterance> byLength = examples.stream().map(e -> (Utterance) e.input())
                .collect(Collectors.toMap(u -> u.transcript().length, Function.identity()));
        Utterance shortOne = byLength.get("stuff it into you his belly counselled him".length());
        assertEquals(80, shortOne.features());
        assertEquals(326, shortOne.frameCount(), "52,400 samples at 16 kHz: 326 frames of 25 ms every 10 ms");
        for (Utterance u : byLength.values()) {
            assertTrue(u.length() >= CtcLoss.minimumPositions(u.transcript()), u.toString());
        }
    }

    @Test
    void aTranscriptLineWithoutAudioOrWithoutAnIdIsNamedByFileAndLine() throws IOException {
        Path chapter = Files.createDirectories(dir.resolve("a/1089/134686"));
        Files.copy(CHAPTER.resolve("1089-134686-0001.flac"), chapter.resolve("1089-134686-0001.flac"));
        Files.writeString(chapter.resolve("1089-134686.trans.txt"),
                "1089-134686-0001 STUFF IT INTO YOU\n1089-134686-0007 NOT RECORDED\n");
        DataException missing = assertThrows(DataException.class, () -> source(dir.resolve("a")).check(sc));
        assertTrue(missing.getMessage().contains("1089-134686.trans.txt:2: no audio for it"), missing.getMessage());

        Path lj = Files.createDirectories(dir.resolve("b/wavs"));
        Files.copy(SAMPLES.resolve("ljspeech/wavs/LJ001-0002.flac"), lj.resolve("LJ001-0002.flac"));
        Files.writeString(dir.resolve("b/metadata.csv"), "LJ001-0002|in being comparatively modern.\nLJ001-0003\n");
        DataException malformed = assertThrows(DataException.class, () -> source(dir.resolve("b")).check(sc));
        assertTrue(malformed.getMessage().contains("metadata.csv:2: expected 'id|text|normalized text'"),
                malformed.getMessage());

        Files.createDirectories(dir.resolve("c"));
        DataException none = assertThrows(DataException.class, () -> source(dir.resolve("c")).check(sc));
        assertTrue(none.getMessage().contains("no transcribed utterances under it"), none.getMessage());
    }

    /** 3.3 s of audio is 82 encoder positions: too few for a 160-character transcript, so CTC could not align it. */
    @Test
    void anUtteranceTooShortForItsTranscriptIsNamed() throws IOException {
        Path chapter = Files.createDirectories(dir.resolve("1089/134686"));
        Files.copy(CHAPTER.resolve("1089-134686-0001.flac"), chapter.resolve("1089-134686-0001.flac"));
        Files.writeString(chapter.resolve("1089-134686.trans.txt"), "1089-134686-0001 "
                + "HE HOPED THERE WOULD BE STEW FOR DINNER TURNIPS AND CARROTS AND BRUISED POTATOES AND FAT MUTTON "
                + "PIECES TO BE LADLED OUT IN THICK PEPPERED FLOUR FATTENED SAUCE\n");
        Exception e = assertThrows(Exception.class, () -> source(dir).examples(sc, SETTINGS, 0).collect());
        Throwable cause = e;
        while (cause != null && !(cause instanceof DataException)) {
            cause = cause.getCause();
        }
        assertTrue(cause != null && cause.getMessage().contains("1089-134686-0001.flac: its 82 encoder positions")
                && cause.getMessage().contains("too few for its transcript"), String.valueOf(e));
    }

    private static ClipSource source(Path folder) {
        return new ClipSource(SETTINGS.data(), folder.toString());
    }
}
