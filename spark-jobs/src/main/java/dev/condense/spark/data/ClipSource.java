package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.models.speech.AudioException;
import dev.condense.models.speech.SpeechFeatures;
import dev.condense.models.speech.Utterance;
import dev.condense.models.train.BatchPlanner;
import dev.condense.models.train.CtcLoss;
import dev.condense.spark.io.DataException;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.SerializableConfiguration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A folder of audio clips through the Hadoop FileSystem API: labelled WAV or FLAC clips, by Free Spoken Digit names
 * ({@code {digit}_{speaker}_{index}.wav}) or keyword folders ({@code <label>/*.wav}, {@code *.flac}), or transcribed
 * utterances in
 * the LibriSpeech or LJSpeech layout ({@link TranscriptIndex}). The driver only lists the folder and reads labels
 * off the names (or the small transcript files), which catches a badly named clip or a transcript without audio
 * before any cluster work; the executors read, decode and featurise the clips of their partition. A clip that cannot
 * be decoded, or is too short for its transcript, fails the job with its path and the reason.
 */
public final class ClipSource implements DataSource {

    private static final Pattern FSDD_NAME = Pattern.compile("(\\d)_([A-Za-z0-9]+)_(\\d+)\\.(wav|flac)");
    /** The clip files a labelled folder holds; anything else in it (notes, checksums) is not a clip. */
    private static final List<String> AUDIO_EXTENSIONS = List.of(".wav", ".flac");
    /** Clips per partition when featurising; a partition reads its clips one after another. */
    private static final int CLIPS_PER_PARTITION = 256;

    private final CondenseSettings.Data settings;
    private final String path;

    public ClipSource(CondenseSettings.Data settings, String path) {
        if (!settings.format().isSpeech()) {
            throw new IllegalArgumentException("not a clip format: " + settings.format());
        }
        this.settings = settings;
        this.path = path;
    }

    @Override
    public void check(JavaSparkContext sc) {
        list(sc.hadoopConfiguration());
    }

    @Override
    public String name() {
        return path;
    }

    /** Every clip under the folder with its label or transcript, sorted by path. */
    public List<Clip> list(Configuration conf) {
        Path root = new Path(path);
        FileSystem fs = HadoopFiles.fileSystem(conf, path);
        List<Clip> clips;
        try {
            if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
                throw new DataException("clip folder does not exist or is not a folder: " + fs.makeQualified(root));
            }
            clips = switch (settings.format()) {
                case TRANSCRIBED -> new TranscriptIndex(fs, root).clips();
                default -> labelled(fs, root);
            };
        } catch (IOException e) {
            throw new DataException("cannot list " + path + ": " + e.getMessage(), e);
        }
        clips.sort(Comparator.comparing(Clip::path));
        return clips;
    }

    private List<Clip> labelled(FileSystem fs, Path root) throws IOException {
        List<Clip> clips = new ArrayList<>();
        Map<String, Integer> perLabel = new TreeMap<>();
        String rootUri = fs.makeQualified(root).toUri().getPath();
        RemoteIterator<LocatedFileStatus> files = fs.listFiles(root, true);
        while (files.hasNext()) {
            Path file = files.next().getPath();
            String name = file.getName().toLowerCase(Locale.ROOT);
            if (AUDIO_EXTENSIONS.stream().noneMatch(name::endsWith)) {
                continue;
            }
            String relative = relative(rootUri, file);
            String label = label(file, relative);
            int index = settings.labels().indexOf(label);
            if (index < 0) {
                continue;
            }
            perLabel.merge(label, 1, Integer::sum);
            clips.add(new Clip(file.toString(), stableId(relative), index));
        }
        for (String label : settings.labels()) {
            if (!perLabel.containsKey(label)) {
                throw new DataException(path + ": no clips of label '" + label + "' (condense.data.labels lists it)");
            }
        }
        return clips;
    }

    /**
     * The label a clip's name gives. A keyword folder that is not one of {@code condense.data.labels} is left out by
     * the caller (a keyword task usually picks some of a corpus's words); an FSDD digit that is not is an error.
     */
    private String label(Path file, String relative) {
        return switch (settings.format()) {
            case FSDD -> {
                Matcher m = FSDD_NAME.matcher(file.getName());
                if (!m.matches()) {
                    throw new DataException(file + ": not a Free Spoken Digit clip name ({digit}_{speaker}_{index}"
                            + ".wav)");
                }
                if (!settings.labels().contains(m.group(1))) {
                    throw new DataException(file + ": digit " + m.group(1) + " is not one of condense.data.labels "
                            + settings.labels());
                }
                yield m.group(1);
            }
            case KEYWORDS -> {
                int slash = relative.indexOf('/');
                if (slash < 0 || relative.indexOf('/', slash + 1) >= 0) {
                    throw new DataException(file + ": a keyword clip must sit in a folder named after its label, "
                            + "directly under " + path);
                }
                yield relative.substring(0, slash);
            }
            default -> throw new IllegalStateException(settings.format() + " clips are not labelled by name");
        };
    }

    @Override
    public JavaRDD<Example> examples(JavaSparkContext sc, CondenseSettings s, int limit) {
        List<Clip> clips = list(sc.hadoopConfiguration());
        if (limit > 0 && limit < clips.size()) {
            long seed = s.finetune().seed();
            clips = new ArrayList<>(clips);
            clips.sort(Comparator.comparingLong(c -> BatchPlanner.mix(seed, c.id())));
            clips = new ArrayList<>(clips.subList(0, limit));
        }
        SerializableConfiguration conf = new SerializableConfiguration(sc.hadoopConfiguration());
        SpeechFeatures features = new SpeechFeatures(settings.sampleRate());
        int partitions = Math.max(s.spark().partitions(), (clips.size() + CLIPS_PER_PARTITION - 1)
                / CLIPS_PER_PARTITION);
        return sc.parallelize(clips, partitions).mapPartitions(it -> featurise(it, conf.value(), features));
    }

    private static Iterator<Example> featurise(Iterator<Clip> clips, Configuration conf, SpeechFeatures features) {
        List<Example> out = new ArrayList<>();
        while (clips.hasNext()) {
            Clip clip = clips.next();
            byte[] bytes;
            try {
                bytes = HadoopFiles.readAll(conf, clip.path());
            } catch (IOException e) {
                throw new DataException("cannot read clip " + clip.path() + ": " + e.getMessage(), e);
            }
            try {
                Utterance utterance = features.utterance(bytes, clip.path(), clip.transcript());
                requireAlignable(clip, utterance);
                out.add(new Example(clip.id(), utterance, clip.label()));
            } catch (AudioException e) {
                throw new DataException(e.getMessage(), e);
            }
        }
        return out.iterator();
    }

    /**
     * CTC needs a position per character, and one more between repeated characters: a clip too short (or spoken too
     * fast) for its transcript cannot be trained on, so it is reported rather than silently dropped.
     */
    private static void requireAlignable(Clip clip, Utterance utterance) {
        int needed = CtcLoss.minimumPositions(clip.transcript());
        if (utterance.length() < needed) {
            throw new DataException(String.format("%s: its %d encoder positions (%.2f s of audio, 40 ms each) are too "
                    + "few for its transcript of %d characters: CTC needs at least %d", clip.path(),
                    utterance.length(), utterance.frameCount() / 100.0, clip.transcript().length, needed));
        }
    }

    /** A listed file's path under the root folder's path (both without scheme and authority). */
    static String relative(String rootPath, Path file) {
        return file.toUri().getPath().substring(rootPath.length()).replaceFirst("^/", "");
    }

    /** FNV-1a over the path's UTF-8 bytes, mixed: stable across JVMs and runs, unlike String.hashCode's 32 bits. */
    static long stableId(String relativePath) {
        long h = 0xcbf29ce484222325L;
        for (byte b : relativePath.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * 0x100000001b3L;
        }
        return BatchPlanner.mix(h);
    }
}
