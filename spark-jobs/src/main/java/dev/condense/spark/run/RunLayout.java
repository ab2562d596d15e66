package dev.condense.spark.run;

import dev.condense.spark.settings.CondenseSettings;

import java.util.List;

/**
 * Every path under a run's directory {@code <run.output>/<run.id>}, in one place: the model each stage saves (a
 * directory with {@code model.bin} and {@code metrics.json}), the evaluation, export and report outputs, the step
 * losses. The stages, the report, the exporter and the notebook API find each other's files through it.
 */
public final class RunLayout {

    /** The models a run can hold, in pipeline order, each saved in a directory of its own. */
    public enum Model {
        TEACHER("teacher", "teacher (finetune)"),
        STUDENT("student", "pruned student (prune)"),
        COMPRESSED("compressed", "shrunk (shrink)"),
        FACTORISED("factorised", "learned ranks (factorise)");

        private final String directory;
        private final String description;

        Model(String directory, String description) {
            this.directory = directory;
            this.description = description;
        }

        /** The directory name under the run, e.g. {@code student}. */
        public String directory() {
            return directory;
        }

        /** How the report names it: what it is and which stage made it. */
        public String description() {
            return description;
        }
    }

    /** The stages' own files beside a saved model: its dev metrics. */
    public static final String METRICS = "metrics.json";

    private final String root;

    public RunLayout(String root) {
        this.root = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    }

    public static RunLayout of(CondenseSettings s) {
        return new RunLayout(s.run().directory());
    }

    /** {@code <run.output>/<run.id>}. */
    public String root() {
        return root;
    }

    public String model(Model model) {
        return root + "/" + model.directory();
    }

    /** The metrics file of a model saved in {@code modelDirectory}. */
    public static String metricsIn(String modelDirectory) {
        return modelDirectory + "/" + METRICS;
    }

    public String metrics(Model model) {
        return metricsIn(model(model));
    }

    /** The models a run's last stage may have saved, latest stage first (what {@code export} picks from). */
    public static List<Model> latestFirst() {
        return List.of(Model.COMPRESSED, Model.FACTORISED, Model.STUDENT, Model.TEACHER);
    }

    /** Where {@code evaluate} writes its metrics. */
    public String evaluation() {
        return root + "/evaluate";
    }

    /** Where {@code export} writes the ONNX graphs unless {@code export.output} says otherwise. */
    public String export() {
        return root + "/export";
    }

    public String report() {
        return root + "/report.html";
    }

    /**
     * The mark a pipeline stage leaves when it has finished: the settings it ran under, so that a rerun of the run
     * id skips it while they are unchanged.
     */
    public String stageFinished(String stage) {
        return root + "/stages/" + stage + ".finished";
    }

    /** The per-step training losses of a stage, a TSV appended to as it trains. */
    public String stepLosses(String stage) {
        return root + "/" + stage + "-step-loss.tsv";
    }
}
