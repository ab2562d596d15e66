package dev.condense.spark.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.spark.io.HadoopFiles;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/** Writes {@code metrics.json}: accuracy, loss and confusion counts by label name, plus whatever the job adds. */
public final class MetricsJson {

    /**
     * The sequence length at which metrics.json reports a model's forward FLOPs ({@code forward_flops_128_tokens}):
     * the tokenizer's usual maximum, so the attention term is counted at its largest.
     */
    public static final int FLOP_LENGTH = 128;


    private MetricsJson() {
    }

    public static Map<String, Object> of(ClassificationMetrics m, List<String> labels) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("examples", m.count());
        out.put("accuracy", m.accuracy());
        out.put("loss", m.meanLoss());
        Map<String, Map<String, Long>> confusion = new LinkedHashMap<>();
        long[][] c = m.confusion();
        for (int i = 0; i < labels.size(); i++) {
            Map<String, Long> row = new LinkedHashMap<>();
            for (int j = 0; j < labels.size(); j++) {
                row.put(labels.get(j), c[i][j]);
            }
            confusion.put(labels.get(i), row);
        }
        out.put("confusion (true -> predicted)", confusion);
        return out;
    }

    /** A CTC model's dev results: word and character error rates, mean CTC loss, and a few transcripts to read. */
    public static Map<String, Object> of(TranscriptionMetrics m) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("utterances", m.utterances());
        out.put("wer", m.wordErrorRate());
        out.put("word_errors", m.words().errors());
        out.put("reference_words", m.words().references());
        out.put("cer", m.characterErrorRate());
        out.put("character_errors", m.characters().errors());
        out.put("reference_characters", m.characters().references());
        out.put("ctc_loss", m.meanLoss());
        out.put("samples", m.samples().stream()
                .map(x -> Map.of("reference", x.reference(), "hypothesis", x.hypothesis())).toList());
        return out;
    }

    /** What a training stage did: data size, shards, loop shape, per-round training loss and wall time. */
    public static void addTraining(Map<String, Object> json, long trainExamples, int shards,
                                   dev.condense.spark.settings.CondenseSettings.Training t, List<Double> roundLosses,
                                   long startNanos) {
        json.put("train_examples", trainExamples);
        json.put("shards", shards);
        json.put("rounds", t.rounds());
        json.put("local_steps", t.localSteps());
        json.put("batch_size", t.batchSize());
        json.put("round_train_loss", roundLosses);
        json.put("wall_seconds", (System.nanoTime() - startNanos) / 1e9);
    }

    /** The {@code accuracy} a metrics file holds, if the file is there and holds one. */
    public static OptionalDouble accuracy(Configuration conf, String path) {
        if (!HadoopFiles.exists(conf, path)) {
            return OptionalDouble.empty();
        }
        try {
            JsonNode accuracy = new ObjectMapper().readTree(HadoopFiles.readAll(conf, path)).path("accuracy");
            return accuracy.isNumber() ? OptionalDouble.of(accuracy.asDouble()) : OptionalDouble.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    public static void write(Configuration conf, String path, Map<String, Object> metrics) {
        try {
            String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(metrics);
            HadoopFiles.writeAtomically(conf, path, json + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path, e);
        }
    }
}
