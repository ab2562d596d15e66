package dev.condense.spark.io;

import dev.condense.models.export.OnnxExport;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.state.ModelState;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a server needs to run a model without Condense, written into one directory through the Hadoop FileSystem
 * API, each file atomically: {@code model.onnx} (float32), {@code model-int8.onnx}, and for a text model its
 * {@code tokenizer.json}. Both {@code condense export} and the notebook model's {@code save} write this layout.
 */
public final class ExportedModel {

    public static final String TOKENIZER = "tokenizer.json";

    private ExportedModel() {
    }

    /** The graph's file name for a precision: {@code model.onnx} or {@code model-int8.onnx}. */
    public static String fileName(Precision precision) {
        return precision == Precision.FLOAT32 ? "model.onnx"
                : "model-" + precision.name().toLowerCase(Locale.ROOT) + ".onnx";
    }

    /**
     * @param tokenizerJson the text's tokenizer, or null for a speech model
     * @return the files written, graphs first
     */
    public static List<String> write(Configuration conf, String directory, ModelState model, List<String> labels,
                                     List<Precision> precisions, Operators operators, byte[] tokenizerJson) {
        List<String> written = new ArrayList<>();
        try {
            for (Precision precision : precisions) {
                String file = directory + "/" + fileName(precision);
                HadoopFiles.writeAtomically(conf, file, OnnxExport.toBytes(model, precision, operators, labels,
                        producerVersion()));
                written.add(file);
            }
            if (tokenizerJson != null) {
                String file = directory + "/" + TOKENIZER;
                HadoopFiles.writeAtomically(conf, file, tokenizerJson);
                written.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the exported model to " + directory, e);
        }
        return written;
    }

    /** The jar's version when it has one (a packaged build), else "development". */
    private static String producerVersion() {
        String v = ExportedModel.class.getPackage().getImplementationVersion();
        return v == null ? "development" : v;
    }
}
