package dev.condense.spark.run;

import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.pretrained.Pretrained;
import dev.condense.models.speech.LogMelFilterbank;
import dev.condense.models.speech.SpeechEncoders;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelFile;
import dev.condense.models.state.ModelState;
import dev.condense.spark.data.Tokenizers;
import dev.condense.spark.io.DataException;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/** Saves and loads models (a single {@code model.bin}) through the Hadoop FileSystem API, atomically. */
public final class ModelStore {

    public static final String FILE = "model.bin";

    private ModelStore() {
    }

    /** Saves a run's model with the run's label names and settings fingerprint (see {@link ModelFile}). */
    public static void save(Configuration conf, String directory, ModelState model, CondenseSettings s) {
        save(conf, directory, model, labelNames(s), s.fingerprint());
    }

    /** Saves a model whose outputs are {@code labels} in class order (empty when they have no names). */
    public static void save(Configuration conf, String directory, ModelState model, List<String> labels,
                            String settingsFingerprint) {
        try {
            HadoopFiles.writeAtomically(conf, directory + "/" + FILE,
                    new ModelFile(model, labels, settingsFingerprint).toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + directory, e);
        }
    }

    /** A directory holding {@code model.bin}, or the file itself. */
    public static ModelState load(Configuration conf, String path) {
        return read(conf, path).model();
    }

    /**
     * A model to be used with the run's data: if the file names its labels, they must be the run's
     * {@code condense.data.labels} in the same order, or every prediction would silently land on another class.
     */
    public static ModelState load(Configuration conf, String path, CondenseSettings s) {
        ModelFile file = read(conf, path);
        List<String> expected = labelNames(s);
        if (file.hasLabels() && !expected.isEmpty() && !file.labels().equals(expected)) {
            throw new SettingsException("the model " + path + " was trained with labels " + file.labels()
                    + " (in class order) but condense.data.labels is " + expected + "; set condense.data.labels = "
                    + file.labels());
        }
        return file.model();
    }

    /** The checked file: its checksum, every length and every weight (see {@link ModelFile#parse}). */
    public static ModelFile read(Configuration conf, String path) {
        String file = path.endsWith(".bin") ? path : path + "/" + FILE;
        if (!HadoopFiles.exists(conf, file)) {
            throw new DataException("model not found: " + file);
        }
        try {
            return ModelFile.parse(HadoopFiles.readAll(conf, file));
        } catch (IOException | UncheckedIOException e) {
            throw new DataException("cannot read model " + file + ": " + e.getMessage(), e);
        }
    }

    /** A classifier's outputs are the data set's labels; a CTC head's characters are not named here. */
    private static List<String> labelNames(CondenseSettings s) {
        return s.data().format().isTranscribed() ? List.of() : s.data().labels();
    }

    /**
     * The starting point named by {@code condense.model.pretrained}, with a new classifier of {@code numLabels}:
     * MiniLM, a speech encoder from scratch shaped by {@code condense.model.speech}, or a saved model. It must suit
     * {@code condense.data.format}: a text encoder cannot read clips, nor a speech encoder text, and transcribed speech
     * needs a per-position (CTC) head.
     */
    public static ModelState pretrained(Configuration conf, CondenseSettings s, int numLabels, long seed) {
        String name = s.model().pretrained();
        boolean speechData = s.data().format().isSpeech();
        if (name.equals("minilm")) {
            requireKind(false, speechData, "condense.model.pretrained = minilm");
            try {
                return MiniLm.classifier(numLabels, seed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (name.equals(CondenseSettings.Model.SPEECH_FROM_SCRATCH)) {
            requireKind(true, speechData, "condense.model.pretrained = speech");
            CondenseSettings.SpeechModel m = s.model().speech();
            EncoderSpec.Speech input = new EncoderSpec.Speech(LogMelFilterbank.STANDARD_BINS, m.channels(),
                    s.data().format().isTranscribed());
            return SpeechEncoders.initial(EncoderSpec.speech(input, m.maxPositions(), m.hidden(), m.layers(),
                    m.heads(), m.ffn(), numLabels), seed);
        }
        if (s.model().isOnnx()) {
            requireKind(false, speechData, "the ONNX encoder " + name);
            return fromOnnx(conf, s, numLabels, seed);
        }
        ModelState model = load(conf, name, s);
        requireKind(model.spec().isSpeech(), speechData, "the model " + name);
        boolean ctcModel = model.spec().isSpeech() && model.spec().speech().ctc();
        if (ctcModel != s.data().format().isTranscribed()) {
            throw new SettingsException("the model " + name + (ctcModel ? " transcribes (a CTC head)" : " classifies")
                    + ", but condense.data.format = " + s.data().format().key() + (ctcModel ? " is labelled clips"
                    : " is transcribed speech"));
        }
        if (model.spec().numLabels() != numLabels) {
            throw new DataException("model " + name + " has " + model.spec().numLabels()
                    + " labels, the data set has " + numLabels);
        }
        return model;
    }

    /**
     * A BERT-family encoder of the user's, read from its ONNX graph with a new head, and checked against the run's
     * tokenizer before any cluster work.
     */
    private static ModelState fromOnnx(Configuration conf, CondenseSettings s, int numLabels, long seed) {
        String path = s.model().pretrained();
        if (!HadoopFiles.exists(conf, path)) {
            throw new DataException("encoder not found: " + path);
        }
        ModelState model;
        try (java.io.InputStream in = new java.io.ByteArrayInputStream(HadoopFiles.readAll(conf, path))) {
            model = Pretrained.classifier(in, s.model().pooling(), numLabels, seed);
        } catch (IOException e) {
            throw new DataException(path + ": " + e.getMessage(), e);
        }
        int vocabulary = Tokenizers.of(conf, s.model()).vocabSize();
        if (vocabulary > model.spec().vocabSize()) {
            throw new DataException("the tokenizer has " + vocabulary + " word pieces but " + path + " embeds only "
                    + model.spec().vocabSize() + ": set condense.model.tokenizer to the encoder's own");
        }
        return model;
    }

    private static void requireKind(boolean speechModel, boolean speechData, String what) {
        if (speechModel != speechData) {
            throw new SettingsException(what + " is a " + (speechModel ? "speech" : "text") + " encoder, but "
                    + "condense.data.format is " + (speechData ? "a clip format" : "tsv") + "; use "
                    + (speechData ? "pretrained = speech (trained from scratch) or a saved speech model"
                    : "pretrained = minilm, an ONNX text encoder or a saved text model"));
        }
    }
}
