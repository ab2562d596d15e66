package dev.condense.spark.jobs;

import dev.condense.spark.pipeline.CompressionPipeline;
import dev.condense.spark.pipeline.EvaluateJob;
import dev.condense.spark.pipeline.ExportJob;
import dev.condense.spark.pipeline.FactoriseJob;
import dev.condense.spark.pipeline.FinetuneJob;
import dev.condense.spark.pipeline.PruneJob;
import dev.condense.spark.pipeline.ShrinkJob;
import dev.condense.spark.report.RunReport;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.Versions;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** The commands of the {@code condense} command line, and the help and version texts it prints. */
final class Commands {

    /**
     * A command: what it does, the settings sections that steer it, and how it runs once its settings are read.
     *
     * @param needsCluster false for a command that reads a model and writes files (no SparkContext is made for it)
     */
    record Command(String summary, String details, String settings, boolean needsCluster, Action action) {
    }

    /** A command's work; {@code sc} is null when it needs no cluster. */
    @FunctionalInterface
    interface Action {
        void run(Configuration conf, JavaSparkContext sc, CondenseSettings s, Consumer<String> out);
    }

    static final Map<String, Command> ALL = new LinkedHashMap<>();

    static {
        ALL.put("compress", new Command("the whole pipeline: the stages of pipeline.stages, then report.html",
                "By default: finetune the teacher, prune 80% of its heads and FFN neurons (Taylor scores) under\n"
                        + "distillation, shrink the result into a smaller dense model, export it to ONNX (FP32 and\n"
                        + "INT8). A rerun of the same run.id skips the stages that finished under the same settings\n"
                        + "and resumes the one that was interrupted from its last checkpoint.",
                "pipeline, data, model, finetune, prune, distill, shrink, factorise, export", true,
                (conf, sc, s, out) -> CompressionPipeline.of(s).run(sc, s, out)));
        ALL.put("finetune", new Command("fine-tune the pretrained encoder on data.train: the teacher",
                "Writes <run.output>/<run.id>/teacher (model.bin, metrics.json with the dev accuracy).",
                "data, model, finetune, spark", true, (conf, sc, s, out) -> {
                    if (s.data().format().isTranscribed()) {
                        FinetuneJob.transcribe(sc, s, out);
                    } else {
                        FinetuneJob.run(sc, s, out);
                    }
                }));
        ALL.put("prune", new Command("prune a student under distillation from the teacher",
                "Reads the run's teacher (or prune.teacher); writes <run>/student, whose pruned structures are\n"
                        + "zeros until shrink cuts them out.",
                "prune, distill, data, spark", true,
                (conf, sc, s, out) -> PruneJob.run(sc, s, out)));
        ALL.put("shrink", new Command("cut the pruned heads, neurons and dimensions out of the student",
                "Reads <run>/student (or shrink.model); writes <run>/compressed, a smaller dense model that computes\n"
                        + "what the masked student computed.",
                "shrink", true, (conf, sc, s, out) -> ShrinkJob.run(sc, s, out)));
        ALL.put("factorise", new Command("learned-rank SVD of the encoder matrices under distillation",
                "Reads <run>/compressed (or factorise.model) and the teacher; writes <run>/factorised.",
                "factorise, distill, data, spark", true,
                (conf, sc, s, out) -> FactoriseJob.run(sc, s, out)));
        ALL.put("evaluate", new Command("dev-set metrics of a saved model",
                "Reads evaluate.model (default: the run's teacher); writes <run>/evaluate/metrics.json.",
                "evaluate, data", true,
                (conf, sc, s, out) -> EvaluateJob.run(sc, s, out)));
        ALL.put("export", new Command("ONNX graphs of a saved model that any ONNX Runtime serves",
                "Reads export.model (default: the run's last model); writes model.onnx, model-int8.onnx and\n"
                        + "tokenizer.json to export.output (default <run>/export). Needs no cluster.",
                "export", false, (conf, sc, s, out) -> ExportJob.run(conf, s, out)));
        ALL.put("report", new Command("<run>/report.html: every stage's accuracy, size and losses",
                "Reads the models and metrics the run's stages saved.", "run", false,
                (conf, sc, s, out) -> out.accept("report: " + RunReport.write(conf, s.run().directory()))));
    }

    static final String USAGE = "usage: condense <" + String.join("|", ALL.keySet())
            + "> [--config FILE] [key=value ...]";

    private Commands() {
    }

    static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h") || arg.equals("help");
    }

    static String help() {
        StringBuilder out = new StringBuilder("Condense " + Versions.condense()
                + ": compresses transformer models on Apache Spark.\n\n" + USAGE + "\n\ncommands:\n");
        ALL.forEach((name, c) -> out.append(String.format("  %-10s %s%n", name, c.summary())));
        return out.append("""

                options:
                  --config FILE   HOCON settings (any Hadoop path) over the defaults in reference.conf
                  key=value       one setting, over the file: finetune.rounds=20, condense.run.id=mine
                  --help          this text; `condense <command> --help` describes one command
                  --version       the versions of Condense, Spark, ND4J, Hadoop and ONNX Runtime

                Exit codes: 0 success, 1 failure, 2 bad settings or usage, 3 bad input data, 4 training diverged.
                Outputs go to <run.output>/<run.id> (default runs/sst2-minilm); a rerun of the same id resumes.
                """).toString();
    }

    static String help(String command) {
        Command c = ALL.get(command);
        return "condense " + command + ": " + c.summary() + "\n\n" + c.details() + "\n\nusage: condense " + command
                + " [--config FILE] [key=value ...]\nsettings: condense." + String.join(", condense.",
                c.settings().split(", ")) + " (reference.conf documents every key and its default)\n";
    }

    static String version() {
        StringBuilder out = new StringBuilder();
        Versions.all().forEach((name, version) -> out.append(name).append(' ').append(version).append('\n'));
        return out.toString();
    }
}
