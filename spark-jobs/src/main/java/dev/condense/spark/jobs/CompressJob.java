package dev.condense.spark.jobs;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.report.RunReport;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code compress}: the stages of {@code condense.pipeline.stages} in order, each one the job of the same name, so
 * a rerun of the same run id resumes at the stage (and round) where the last run stopped; then
 * {@code <run>/report.html} ({@link RunReport}).
 */
public final class CompressJob {

    private CompressJob() {
    }

    /**
     * What the pipeline produced: the directory of its final model ({@code <run>/factorised} after learned ranks,
     * {@code <run>/compressed} after shrinking, {@code <run>/student} after pruning, otherwise {@code <run>/teacher})
     * and the dev metrics of the teacher, the student and the last of shrink and factorise that ran.
     */
    public record Outcome(String modelDirectory, Optional<ClassificationMetrics> teacher,
                          Optional<ClassificationMetrics> student, Optional<ClassificationMetrics> compressed) {
    }

    public static Outcome run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public static Outcome run(JavaSparkContext sc, CondenseSettings s, TaskData data, Consumer<String> log) {
        s.data().requireClassification("compress");
        data.check(sc);
        CondenseSettings.Pipeline pipeline = s.pipeline();
        Optional<ClassificationMetrics> teacher = Optional.empty();
        Optional<ClassificationMetrics> student = Optional.empty();
        if (pipeline.runs(FinetuneJob.STAGE)) {
            teacher = Optional.of(FinetuneJob.run(sc, s, data, log));
        }
        if (pipeline.runs(PruneJob.STAGE)) {
            student = Optional.of(PruneJob.run(sc, s, data, log));
        }
        Optional<ClassificationMetrics> compressed = Optional.empty();
        if (pipeline.runs(ShrinkJob.STAGE)) {
            compressed = Optional.of(ShrinkJob.run(sc, s, data, log));
        }
        if (pipeline.runs(FactoriseJob.STAGE)) {
            compressed = Optional.of(FactoriseJob.run(sc, s, data, log));
        }
        log.accept("compress: report in " + RunReport.write(sc.hadoopConfiguration(), s.run().directory()));
        RunLayout.Model last = pipeline.runs(FactoriseJob.STAGE) ? RunLayout.Model.FACTORISED
                : pipeline.runs(ShrinkJob.STAGE) ? RunLayout.Model.COMPRESSED
                : pipeline.runs(PruneJob.STAGE) ? RunLayout.Model.STUDENT : RunLayout.Model.TEACHER;
        return new Outcome(RunLayout.of(s).model(last), teacher, student, compressed);
    }
}
