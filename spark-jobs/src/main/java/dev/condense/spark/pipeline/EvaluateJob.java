package dev.condense.spark.pipeline;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.state.ModelState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code evaluate}: accuracy, loss and confusion counts of a saved model on the dev set, written to
 * {@code <run>/evaluate/metrics.json}. The model is {@code condense.evaluate.model}, or the run's teacher.
 */
public final class EvaluateJob {

    private EvaluateJob() {
    }

    /** Runs on the TSV files of {@code condense.data}. */
    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log) {
        s.data().requireClassification("evaluate");
        Configuration conf = sc.hadoopConfiguration();
        String path = s.evaluate().model().isEmpty() ? RunLayout.of(s).model(RunLayout.Model.TEACHER)
                : s.evaluate().model();
        data.dev().check(sc);
        ModelState model = ModelStore.load(conf, path, s);
        if (model.spec().numLabels() != s.data().labels().size()) {
            throw new dev.condense.spark.io.DataException("model " + path + " has " + model.spec().numLabels()
                    + " labels but condense.data.labels has " + s.data().labels().size());
        }
        TaskShards.Shards dev = TaskShards.dev(sc, s, data.dev());
        ClassificationMetrics metrics = DistributedEvaluator.evaluate(sc, model, dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), s.evaluate().engine(),
                "evaluate: " + path);
        dev.examples().unpersist();
        Map<String, Object> json = new java.util.LinkedHashMap<>(MetricsJson.of(metrics, s.data().labels()));
        json.put("model", path);
        json.put("data", data.dev().name());
        String metricsFile = RunLayout.metricsIn(RunLayout.of(s).evaluation());
        MetricsJson.write(conf, metricsFile, json);
        log.accept(String.format("dev accuracy %.4f (%d/%d), loss %.4f; metrics in %s",
                metrics.accuracy(), metrics.correct(), metrics.count(), metrics.meanLoss(), metricsFile));
        return metrics;
    }
}
