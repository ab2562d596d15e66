package dev.condense.spark.jobs;

import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.state.ModelState;
import dev.condense.spark.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;

/** Saves and loads models (a single {@code model.bin}) through the Hadoop FileSystem API, atomically. */
public final class ModelStore {

    public static final String FILE = "model.bin";

    private ModelStore() {
    }

    public static void save(Configuration conf, String directory, ModelState model) {
        try {
            HadoopFiles.writeAtomically(conf, directory + "/" + FILE, model.toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + directory, e);
        }
    }

    /** A directory holding {@code model.bin}, or the file itself. */
    public static ModelState load(Configuration conf, String path) {
        String file = path.endsWith(".bin") ? path : path + "/" + FILE;
        if (!HadoopFiles.exists(conf, file)) {
            throw new dev.condense.spark.data.DataException("model not found: " + file);
        }
        try {
            return ModelState.fromBytes(HadoopFiles.readAll(conf, file));
        } catch (IOException | UncheckedIOException e) {
            throw new dev.condense.spark.data.DataException("cannot read model " + file + ": " + e.getMessage(), e);
        }
    }

    /** The pretrained starting point named by {@code condense.model.pretrained}. */
    public static ModelState pretrained(Configuration conf, String name, int numLabels, long seed) {
        if (name.equals("minilm")) {
            try {
                return MiniLm.classifier(numLabels, seed);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        ModelState model = load(conf, name);
        if (model.spec().numLabels() != numLabels) {
            throw new dev.condense.spark.data.DataException("model " + name + " has " + model.spec().numLabels()
                    + " labels, the data set has " + numLabels);
        }
        return model;
    }
}
