package dev.condense.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.report.RunReport;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.run.RunLayout.Model;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code compress}, and the notebook {@code Compressor}: the configured {@link Stage}s in order, then
 * {@code <run>/report.html} ({@link RunReport}).
 *
 * <p>It resumes at stage boundaries. A finished stage leaves a mark holding the settings it ran under and the digest
 * of the training examples ({@link RunLayout#stageFinished}); a rerun of the same run id skips every finished stage
 * whose settings and data are unchanged, up to the first stage that has to run, and runs that one and all after it,
 * since their inputs are new. A stage that was interrupted resumes from its last checkpoint.
 */
public final class CompressionPipeline {

    /**
     * What the pipeline produced.
     *
     * @param modelDirectory the directory of its last model
     * @param devAccuracy    each saved model's dev accuracy, from this run or, for a stage skipped, its metrics
     */
    public record Outcome(String modelDirectory, Map<Model, Double> devAccuracy) {
    }

    private final List<Stage> stages;

    public CompressionPipeline(List<Stage> stages) {
        this.stages = List.copyOf(stages);
    }

    /** The stages of {@code condense.pipeline.stages}. */
    public static CompressionPipeline of(CondenseSettings s) {
        return new CompressionPipeline(Stage.of(s.pipeline()));
    }

    public List<Stage> stages() {
        return stages;
    }

    /** Runs on the files of {@code condense.data}. */
    public Outcome run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public Outcome run(JavaSparkContext sc, CondenseSettings s, TaskData data, Consumer<String> log) {
        s.data().requireClassification("compress");
        data.check(sc);
        Configuration conf = sc.hadoopConfiguration();
        RunLayout run = RunLayout.of(s);
        Map<Model, Double> accuracy = new EnumMap<>(Model.class);
        boolean inputsChanged = false;
        // the training rows' digest: recorded by the stages that train (their provenance), so a first run reads the
        // data no extra time; computed here only to decide a resume, or when no stage that ran has trained
        String rows = null;
        for (Stage stage : stages) {
            String mark = run.stageFinished(stage.name());
            String settings = s.identity(stage.identity()).toString();
            String finished = finishedUnder(conf, mark);
            if (!inputsChanged && finished != null && finished.startsWith(settings + "\n")) {
                rows = rows != null ? rows : TaskShards.trainDigest(sc, s, data.train()).toString();
                if (finished.equals(mark(settings, rows))) {
                    log.accept("compress: " + stage + " finished in an earlier run under these settings; skipped");
                    stage.writes().ifPresent(model -> MetricsJson.accuracy(conf, run.metrics(model))
                            .ifPresent(a -> accuracy.put(model, a)));
                    continue;
                }
            }
            inputsChanged = true;
            HadoopFiles.deleteIfExists(conf, mark); // an interrupted rerun must not look finished
            stage.body().run(sc, s, data, log).ifPresent(metrics -> stage.writes()
                    .ifPresent(model -> accuracy.put(model, metrics.accuracy())));
            rows = trainedOn(conf, run, stage).orElse(rows);
            rows = rows != null ? rows : TaskShards.trainDigest(sc, s, data.train()).toString();
            try {
                HadoopFiles.writeAtomically(conf, mark, mark(settings, rows));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + mark, e);
            }
        }
        log.accept("compress: report in " + RunReport.write(conf, run.root()));
        Model last = stages.stream().flatMap(stage -> stage.writes().stream()).reduce((a, b) -> b)
                .orElse(Model.TEACHER);
        return new Outcome(run.model(last), Collections.unmodifiableMap(accuracy));
    }

    /** What a finished stage's mark holds: the settings it ran under and the digest of the training rows. */
    private static String mark(String settings, String rows) {
        return settings + "\ntrain data " + rows;
    }

    /** The digest of the rows a stage trained on, as its saved model's provenance records it. */
    private static Optional<String> trainedOn(Configuration conf, RunLayout run, Stage stage) {
        return stage.writes().flatMap(model -> Provenance.read(conf, run.model(model)))
                .map(provenance -> provenance.path("training_data"))
                .filter(JsonNode::isTextual).map(JsonNode::asText);
    }

    /** The settings and data a stage finished under, or null when it has not finished. */
    private static String finishedUnder(Configuration conf, String mark) {
        if (!HadoopFiles.exists(conf, mark)) {
            return null;
        }
        try {
            return new String(HadoopFiles.readAll(conf, mark), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mark, e);
        }
    }
}
