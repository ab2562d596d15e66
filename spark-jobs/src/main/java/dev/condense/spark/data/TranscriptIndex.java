package dev.condense.spark.data;

import dev.condense.models.speech.Characters;
import dev.condense.spark.io.DataException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pairs the utterances of transcribed speech corpora with their transcripts, in the LibriSpeech and LJSpeech layouts
 * (see {@link dev.condense.spark.settings.CondenseSettings.DataFormat#TRANSCRIBED}), on the driver: reading the small
 * transcript files and listing the folder is cheap, and a transcript line without its audio (or with nothing to spell)
 * is reported by file and line before any cluster work. The audio itself is decoded later, on the executors.
 * Transcripts are {@link Characters#normalise normalised} and stored as character ids.
 */
final class TranscriptIndex {

    private static final String LIBRISPEECH_SUFFIX = ".trans.txt";
    private static final String LJSPEECH_METADATA = "metadata.csv";
    private static final List<String> AUDIO_EXTENSIONS = List.of(".flac", ".wav");

    private final FileSystem fs;
    private final Path root;
    private final String rootPath;
    /** Every file under the root, by its path relative to the root. */
    private final Map<String, Path> files = new TreeMap<>();

    TranscriptIndex(FileSystem fs, Path root) throws IOException {
        this.fs = fs;
        this.root = fs.makeQualified(root);
        this.rootPath = this.root.toUri().getPath();
        RemoteIterator<LocatedFileStatus> listing = fs.listFiles(root, true);
        while (listing.hasNext()) {
            Path file = listing.next().getPath();
            files.put(ClipSource.relative(rootPath, file), file);
        }
    }

    /**
     * Every utterance of every LibriSpeech transcript file and LJSpeech {@code metadata.csv} under the root.
     *
     * @throws DataException when there is neither, or a line is malformed or names missing audio
     */
    List<Clip> clips() throws IOException {
        List<Clip> clips = new ArrayList<>();
        for (Map.Entry<String, Path> e : files.entrySet()) {
            String relative = e.getKey();
            String folder = relative.substring(0, relative.lastIndexOf('/') + 1);
            if (relative.endsWith(LIBRISPEECH_SUFFIX)) {
                libriSpeech(e.getValue(), folder, clips);
            } else if (e.getValue().getName().equals(LJSPEECH_METADATA)) {
                ljSpeech(e.getValue(), folder, clips);
            }
        }
        if (clips.isEmpty()) {
            throw new DataException(root + ": no transcribed utterances under it (LibriSpeech *" + LIBRISPEECH_SUFFIX
                    + " files or an LJSpeech " + LJSPEECH_METADATA + ")");
        }
        return clips;
    }

    /** {@code <utterance id> <TRANSCRIPT>} per line, naming {@code <utterance id>.flac} in the same folder. */
    private void libriSpeech(Path transcripts, String folder, List<Clip> clips) throws IOException {
        List<String> lines = lines(transcripts);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = transcripts + ":" + (i + 1);
            int space = line.indexOf(' ');
            if (space < 0) {
                throw new DataException(where + ": expected '<utterance id> <transcript>', got '" + line + "'");
            }
            clips.add(clip(where, folder + line.substring(0, space), line.substring(space + 1)));
        }
    }

    /**
     * {@code id|text|normalized text} per line (the last field is used, so a two-field file works too), naming
     * {@code wavs/<id>.flac} or {@code wavs/<id>.wav} beside the metadata.
     */
    private void ljSpeech(Path metadata, String folder, List<Clip> clips) throws IOException {
        List<String> lines = lines(metadata);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = metadata + ":" + (i + 1);
            String[] fields = line.split("\\|", -1);
            if (fields.length < 2 || fields[0].isBlank()) {
                throw new DataException(where + ": expected 'id|text|normalized text', got '" + line + "'");
            }
            clips.add(clip(where, folder + "wavs/" + fields[0].strip(), fields[fields.length - 1]));
        }
    }

    /** @param stem the audio file's path relative to the root, without its extension */
    private Clip clip(String where, String stem, String transcript) {
        Path audio = null;
        String relative = null;
        for (String extension : AUDIO_EXTENSIONS) {
            relative = stem + extension;
            audio = files.get(relative);
            if (audio != null) {
                break;
            }
        }
        if (audio == null) {
            throw new DataException(where + ": no audio for it (" + root + "/" + stem + ".flac or .wav)");
        }
        String text = Characters.normalise(transcript);
        if (text.isEmpty()) {
            throw new DataException(where + ": the transcript has no letters to spell ('" + transcript + "')");
        }
        return new Clip(audio.toString(), ClipSource.stableId(relative), 0, Characters.encode(text));
    }

    private List<String> lines(Path file) throws IOException {
        String text;
        try (var in = fs.open(file)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        return List.of(text.split("\r?\n", -1));
    }
}
