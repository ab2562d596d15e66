package dev.condense.spark.pipeline;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.shrink.FlopCount;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.shrink.Shrinker;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code shrink}: the pruned student becomes the physically smaller model that computes the same function
 * ({@link Shrinker}), optionally with its encoder matrices factorised at a fixed ratio ({@link Factoriser}). It is
 * saved to {@code <run>/compressed}, evaluated on the dev set, and its parameter counts, read back from the saved
 * model, go to {@code <run>/compressed/metrics.json} beside those of its input.
 */
public final class ShrinkJob {

    public static final String STAGE = "shrink";
    /** The settings its result depends on, besides the student it shrinks. */
    static final List<String> IDENTITY = List.of("data", "shrink");

    private ShrinkJob() {
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log) {
        s.data().requireClassification("shrink");
        Configuration conf = sc.hadoopConfiguration();
        RunLayout run = RunLayout.of(s);
        String input = s.shrink().model().isEmpty() ? run.model(RunLayout.Model.STUDENT) : s.shrink().model();
        data.dev().check(sc);
        ModelState pruned = ModelStore.load(conf, input, s);
        TaskShards.Shards dev = TaskShards.dev(sc, s, data.dev());
        long start = System.nanoTime();
        ModelState small = Shrinker.shrink(pruned);
        Map<String, Integer> ranks = s.shrink().factorise().ranks(small.spec());
        if (!ranks.isEmpty()) {
            small = Factoriser.factorise(small, ranks);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String output = run.model(RunLayout.Model.COMPRESSED);
        ModelStore.save(conf, output, small, s);
        Provenance.of(STAGE, s, List.of(Provenance.parent(conf, "student", input)), null, null).write(conf, output);
        ModelState saved = ModelStore.load(conf, output);

        ClassificationMetrics metrics = DistributedEvaluator.evaluate(sc, saved, dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), s.evaluate().engine(),
                "shrink: evaluate " + output);
        dev.examples().unpersist();

        ParameterCount before = ParameterCount.of(pruned);
        ParameterCount after = ParameterCount.of(saved);
        Map<String, Object> json = new LinkedHashMap<>(MetricsJson.of(metrics, s.data().labels()));
        json.put("input", input);
        json.put("input_encoder_matrix_values", before.encoderMatrixValues());
        json.put("input_encoder_matrix_nonzero", before.encoderMatrixNonZeros());
        json.put("encoder_matrix_values", after.encoderMatrixValues());
        json.put("encoder_matrix_nonzero", after.encoderMatrixNonZeros());
        json.put("encoder_matrix_fraction_of_input", (double) after.encoderMatrixValues()
                / before.encoderMatrixValues());
        json.put("forward_flops_128_tokens", FlopCount.of(saved, MetricsJson.FLOP_LENGTH).total());
        json.put("input_forward_flops_128_tokens", FlopCount.of(pruned, MetricsJson.FLOP_LENGTH).total());
        json.put("parameters", after.total());
        json.put("input_parameters", before.total());
        json.put("hidden", saved.spec().hidden());
        json.put("layers", layers(saved.spec()));
        json.put("ranks", saved.spec().ranks());
        Map<String, Integer> residualRows = new LinkedHashMap<>();
        saved.spec().residualRows().forEach((name, rows) -> residualRows.put(name, rows.size()));
        json.put("residual_rows", residualRows);
        json.put("shrink_seconds", seconds);
        MetricsJson.write(conf, RunLayout.metricsIn(output), json);
        log.accept(String.format("shrink: %s → %s in %.1f s: hidden %d, heads per layer %s, neurons per layer %s, "
                        + "%d factorised matrices; encoder matrix values %,d → %,d (%.1f%%); dev accuracy %.4f "
                        + "(%d/%d)", input, output, seconds, saved.spec().hidden(),
                saved.spec().layerShapes().stream().map(EncoderSpec.LayerShape::heads).toList(),
                saved.spec().layerShapes().stream().map(EncoderSpec.LayerShape::ffn).toList(),
                saved.spec().ranks().size(), before.encoderMatrixValues(), after.encoderMatrixValues(),
                100.0 * after.encoderMatrixValues() / before.encoderMatrixValues(), metrics.accuracy(),
                metrics.correct(), metrics.count()));
        return metrics;
    }

    private static List<Map<String, Integer>> layers(EncoderSpec spec) {
        return spec.layerShapes().stream().map(l -> Map.of("heads", l.heads(), "ffn", l.ffn())).toList();
    }
}
