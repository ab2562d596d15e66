package dev.condense.spark.data;

import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.text.WordPieceTokenizer;
import dev.condense.spark.io.DataException;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * The run's tokenizer, chosen once on the driver: {@code condense.model.tokenizer}, else the {@code tokenizer.json}
 * beside an ONNX encoder, else MiniLM's. Executors receive it built (it is serialisable), so every task tokenizes
 * with the same vocabulary the model was trained on.
 */
public final class Tokenizers {

    public static final String FILE = "tokenizer.json";

    private Tokenizers() {
    }

    /** The {@code tokenizer.json} bytes (what an export ships beside the model). */
    public static byte[] json(Configuration conf, CondenseSettings.Model model) {
        String path = path(model);
        if (path == null) {
            try {
                return MiniLm.tokenizerJson();
            } catch (IOException e) {
                throw new DataException("cannot read MiniLM's tokenizer from the classpath: " + e.getMessage(), e);
            }
        }
        if (!HadoopFiles.exists(conf, path)) {
            throw new DataException("tokenizer not found: " + path + (model.tokenizer().isEmpty()
                    ? " (expected beside " + model.pretrained() + "; set condense.model.tokenizer)" : ""));
        }
        try {
            return HadoopFiles.readAll(conf, path);
        } catch (IOException e) {
            throw new DataException("cannot read tokenizer " + path + ": " + e.getMessage(), e);
        }
    }

    /** The tokenizer itself, checked to be uncased BERT WordPiece. */
    public static WordPieceTokenizer of(Configuration conf, CondenseSettings.Model model) {
        byte[] json = json(conf, model);
        try {
            return WordPieceTokenizer.fromTokenizerJson(new ByteArrayInputStream(json));
        } catch (IOException e) {
            String path = path(model);
            throw new DataException((path == null ? "MiniLM's tokenizer" : path) + ": " + e.getMessage(), e);
        }
    }

    /** The tokenizer's path, or null for MiniLM's on the classpath. */
    private static String path(CondenseSettings.Model model) {
        if (!model.tokenizer().isEmpty()) {
            return model.tokenizer();
        }
        if (model.isOnnx()) {
            String dir = model.pretrained().contains("/")
                    ? model.pretrained().substring(0, model.pretrained().lastIndexOf('/') + 1) : "";
            return dir + FILE;
        }
        return null;
    }
}
