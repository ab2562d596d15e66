package dev.condense.spark.pipeline;

import dev.condense.models.speech.Characters;
import dev.condense.models.state.ModelFile;
import dev.condense.models.state.ModelState;
import dev.condense.spark.data.Tokenizers;
import dev.condense.spark.io.ExportedModel;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;

import java.util.List;
import java.util.function.Consumer;

/**
 * {@code export}: a saved model as ONNX graphs (float32 {@code model.onnx}, INT8 {@code model-int8.onnx}) with
 * {@code tokenizer.json} beside a text model's, so that any ONNX Runtime serves it without Condense. Needs no
 * cluster: it reads one model and writes a few files through the Hadoop FileSystem API.
 */
public final class ExportJob {

    public static final String STAGE = "export";
    /** The settings its graphs depend on, besides the model it exports. */
    static final List<String> IDENTITY = List.of("export");

    private ExportJob() {
    }

    /** @return the directory the graphs were written to */
    public static String run(Configuration conf, CondenseSettings s, Consumer<String> log) {
        String source = source(conf, s);
        ModelFile saved = ModelStore.read(conf, source);
        ModelState model = saved.model();
        // the names the model was trained with travel in its file; older files take them from the settings
        List<String> labels = saved.hasLabels() ? saved.labels() : labels(model, s, source);
        String output = s.export().output().isEmpty() ? RunLayout.of(s).export() : s.export().output();
        byte[] tokenizer = model.spec().isSpeech() ? null : Tokenizers.json(conf, s.model());
        for (String file : ExportedModel.write(conf, output, model, labels, s.export().precisions(),
                s.export().operators(), tokenizer)) {
            log.accept("export: " + file + " from " + source);
        }
        return output;
    }

    /** {@code export.model}, or the run's latest stage that saved a model. */
    static String source(Configuration conf, CondenseSettings s) {
        if (!s.export().model().isEmpty()) {
            return s.export().model();
        }
        RunLayout run = RunLayout.of(s);
        for (RunLayout.Model stage : RunLayout.latestFirst()) {
            String dir = run.model(stage);
            if (HadoopFiles.exists(conf, dir + "/" + ModelStore.FILE)) {
                return dir;
            }
        }
        throw new dev.condense.spark.io.DataException("run " + run.root() + " has no saved model in "
                + RunLayout.latestFirst().stream().map(RunLayout.Model::directory).toList()
                + "; set condense.export.model to the model to export");
    }

    /** The names of the model's outputs: the data set's labels, or the CTC head's characters. */
    private static List<String> labels(ModelState model, CondenseSettings s, String source) {
        if (model.spec().isSpeech() && model.spec().speech().ctc()) {
            return Characters.SYMBOLS;
        }
        List<String> labels = s.data().labels();
        if (labels.size() != model.spec().numLabels()) {
            throw new dev.condense.spark.io.DataException("model " + source + " has " + model.spec().numLabels()
                    + " outputs but condense.data.labels names " + labels.size() + ": " + labels);
        }
        return labels;
    }
}
