package dev.condense.spark.pipeline;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.run.RunLayout.Model;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One step of a compression run: its name in {@code condense.pipeline.stages}, the models of the run it reads
 * (unless its settings name others), the model it saves, the settings its result depends on, and how it runs.
 * Stages find each other's models only through {@link RunLayout}, so a stage runs alone as well as in a pipeline.
 *
 * @param identity the setting paths whose values make the stage's result (as for its checkpoints); a finished
 *                 stage is rerun when one of them changes
 */
public record Stage(String name, List<Model> reads, Optional<Model> writes, List<String> identity, Body body) {

    /** What a stage does. */
    @FunctionalInterface
    public interface Body {
        /** @return the dev metrics of the model the stage saved, when it measured them */
        Optional<ClassificationMetrics> run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log);
    }

    public static final Stage FINETUNE = new Stage(FinetuneJob.STAGE, List.of(), Optional.of(Model.TEACHER),
            FinetuneJob.IDENTITY, (sc, s, data, log) -> Optional.of(FinetuneJob.run(sc, s, data, log)));
    public static final Stage PRUNE = new Stage(PruneJob.STAGE, List.of(Model.TEACHER), Optional.of(Model.STUDENT),
            PruneJob.IDENTITY, (sc, s, data, log) -> Optional.of(PruneJob.run(sc, s, data, log)));
    public static final Stage SHRINK = new Stage(ShrinkJob.STAGE, List.of(Model.STUDENT),
            Optional.of(Model.COMPRESSED), ShrinkJob.IDENTITY,
            (sc, s, data, log) -> Optional.of(ShrinkJob.run(sc, s, data, log)));
    public static final Stage FACTORISE = new Stage(FactoriseJob.STAGE, List.of(Model.COMPRESSED, Model.TEACHER),
            Optional.of(Model.FACTORISED), FactoriseJob.IDENTITY,
            (sc, s, data, log) -> Optional.of(FactoriseJob.run(sc, s, data, log)));
    public static final Stage EXPORT = new Stage(ExportJob.STAGE, RunLayout.latestFirst(), Optional.empty(),
            ExportJob.IDENTITY, (sc, s, data, log) -> {
                ExportJob.run(sc.hadoopConfiguration(), s, log);
                return Optional.empty();
            });

    /** Every stage, in the only order they may run in. */
    public static final List<Stage> ALL = List.of(FINETUNE, PRUNE, SHRINK, FACTORISE, EXPORT);

    public static Stage named(String name) {
        return ALL.stream().filter(stage -> stage.name.equals(name)).findFirst().orElseThrow(
                () -> new SettingsException("unknown stage '" + name + "'; the stages are "
                        + ALL.stream().map(Stage::name).toList()));
    }

    /** The stages {@code condense.pipeline.stages} names, in order. */
    public static List<Stage> of(CondenseSettings.Pipeline pipeline) {
        return pipeline.stages().stream().map(Stage::named).toList();
    }

    @Override
    public String toString() {
        return name;
    }
}
