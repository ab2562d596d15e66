package dev.condense.spark.pipeline;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.run.RunLayout.Model;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The pipeline's order and its resumption at stage boundaries, with stages that only record that they ran. */
class CompressionPipelineTest {

    private static JavaSparkContext sc;
    private static Path rows;
    private static Path otherRows;

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() throws Exception {
        sc = SparkTestSession.start();
        rows = SparkTestSession.sst2Rows(dir.resolve("rows.tsv"), 0, 16);
        otherRows = SparkTestSession.sst2Rows(dir.resolve("other-rows.tsv"), 16, 16);
    }

    private final List<String> ran = new ArrayList<>();
    private boolean failPrune;

    /** A stage that saves a tiny random model with metrics of accuracy {@code accuracy} in its place. */
    private Stage recording(String name, Model writes, String identity, double accuracy) {
        return new Stage(name, List.of(), Optional.of(writes), List.of(identity), (context, s, data, log) -> {
            if (failPrune && name.equals("prune")) {
                throw new IllegalStateException("interrupted");
            }
            ran.add(name);
            ModelStore.save(context.hadoopConfiguration(), RunLayout.of(s).model(writes),
                    TinyEncoders.randomState(TinyEncoders.spec(), 1), s);
            MetricsJson.write(context.hadoopConfiguration(), RunLayout.of(s).metrics(writes),
                    Map.of("accuracy", accuracy));
            return Optional.of(ClassificationMetrics.of(new long[][] {{1, 0}, {0, 1}}, 0));
        });
    }

    private CondenseSettings settings(String id, String... overrides) {
        List<String> all = new ArrayList<>(List.of("run.output=" + dir.resolve("runs"), "run.id=" + id,
                "data.labels=[\"0\", \"1\", \"2\"]",
                "data.train=" + rows, "data.dev=" + rows));
        all.addAll(List.of(overrides));
        return SettingsLoader.load("", "test", all);
    }

    @Test
    void theStagesAreTheSettingsStagesInTheirOnlyOrder() {
        assertEquals(CondenseSettings.Pipeline.ORDER, Stage.ALL.stream().map(Stage::name).toList());
        assertEquals(List.of(Stage.FINETUNE, Stage.PRUNE, Stage.SHRINK, Stage.EXPORT),
                CompressionPipeline.of(SettingsLoader.defaults()).stages());
        assertEquals(Model.COMPRESSED, Stage.SHRINK.writes().orElseThrow());
        assertEquals(List.of(Model.STUDENT), Stage.SHRINK.reads());
    }

    /**
     * A rerun skips what finished under the same settings and data; a changed setting reruns its stage and every
     * stage after it; an interrupted stage is not marked finished; other training data reruns everything.
     */
    @Test
    void aRerunResumesAtTheFirstStageWhoseSettingsChangedOrThatDidNotFinish() {
        CompressionPipeline pipeline = new CompressionPipeline(List.of(
                recording("finetune", Model.TEACHER, "finetune", 0.9),
                recording("prune", Model.STUDENT, "prune", 0.8),
                recording("shrink", Model.COMPRESSED, "shrink", 0.7)));
        CompressionPipeline.Outcome first = pipeline.run(sc, settings("resume"), line -> { });
        assertEquals(List.of("finetune", "prune", "shrink"), ran);
        assertEquals(Map.of(Model.TEACHER, 1.0, Model.STUDENT, 1.0, Model.COMPRESSED, 1.0), first.devAccuracy());
        assertEquals(RunLayout.of(settings("resume")).model(Model.COMPRESSED), first.modelDirectory());

        ran.clear();
        CompressionPipeline.Outcome again = pipeline.run(sc, settings("resume"), line -> { });
        assertEquals(List.of(), ran);
        assertEquals(Map.of(Model.TEACHER, 0.9, Model.STUDENT, 0.8, Model.COMPRESSED, 0.7), again.devAccuracy());

        pipeline.run(sc, settings("resume", "prune.training.seed=44"), line -> { });
        assertEquals(List.of("prune", "shrink"), ran);

        ran.clear();
        failPrune = true;
        assertThrows(IllegalStateException.class,
                () -> pipeline.run(sc, settings("resume", "prune.training.seed=45"), line -> { }));
        failPrune = false;
        pipeline.run(sc, settings("resume", "prune.training.seed=44"), line -> { });
        assertEquals(List.of("prune", "shrink"), ran);

        ran.clear();
        pipeline.run(sc, settings("resume", "prune.training.seed=44", "data.train=" + otherRows), line -> { });
        assertEquals(List.of("finetune", "prune", "shrink"), ran, "other training data: nothing is skipped");
    }
}
