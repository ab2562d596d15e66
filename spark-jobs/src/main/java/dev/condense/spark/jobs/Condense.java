package dev.condense.spark.jobs;

import dev.condense.spark.data.DataException;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.settings.SettingsLoader;
import dev.condense.spark.train.TrainingDivergedException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The entry point for {@code spark-submit} and the launchers:
 * {@code condense <compress|finetune|prune|shrink|factorise|evaluate|export|report> [--config FILE] [key=value ...]}. Settings are read and
 * checked before a SparkContext exists. Exit codes a scheduler can act on: 0 success, 2 bad settings or usage,
 * 3 bad input data, 4 training diverged, 1 any other failure.
 */
public final class Condense {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_SETTINGS = 2;
    public static final int BAD_DATA = 3;
    /** Training diverged (non-finite loss or weights): retrying unchanged will not help; lower the learning rate. */
    public static final int DIVERGED = 4;

    private static final String USAGE =
            "usage: condense <compress|finetune|prune|shrink|factorise|evaluate|export|report> [--config FILE] "
                    + "[key=value ...]";

    private Condense() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command in a session of its own, stopped at the end, and returns its exit code. */
    public static int run(String[] args) {
        return run(args, null);
    }

    /**
     * Runs a command in a session someone else owns: a Databricks job cluster's or a notebook's, where the session
     * must outlive the command and {@code System.exit} is not allowed. A non-zero exit code becomes an exception,
     * which fails the hosting job run; the reason is on stderr, as for {@link #run(String[])}.
     */
    public static void runInSession(SparkSession spark, String[] args) {
        int code = run(args, spark);
        if (code != OK) {
            throw new IllegalStateException("condense " + String.join(" ", args) + " ended with exit code " + code
                    + " (" + meaning(code) + "); the reason is in the driver's stderr");
        }
    }

    /** Runs a command in {@code shared} (left running), or in a session of its own when it is null. */
    private static int run(String[] args, SparkSession shared) {
        try {
            Command command = Command.parse(args);
            CondenseSettings settings = SettingsLoader.load(command.configText(), command.configOrigin(),
                    command.overrides());
            if (command.name().equals("export")) {
                // no cluster work: one model in, a few files out
                Configuration conf = shared != null ? shared.sparkContext().hadoopConfiguration() : new Configuration();
                ExportJob.run(conf, settings, System.out::println);
                return OK;
            }
            SparkSession spark = shared != null ? shared : SparkSessions.create(settings.spark());
            try {
                execute(JavaSparkContext.fromSparkContext(spark.sparkContext()), command.name(), settings);
            } finally {
                if (shared == null) {
                    spark.stop();
                }
            }
            return OK;
        } catch (Exception e) {
            // not only RuntimeException: Spark rethrows an executor's failure as a SparkException, which is checked
            return exitCode(e, System.err);
        }
    }

    /**
     * The exit code for a failure and its one-line reason on {@code err}. A known cause anywhere in the chain
     * decides: a {@link DataException} thrown by an executor reaching the driver inside a stage failure is still
     * bad input data, named by its file, not a stack trace. Only unknown failures print their trace.
     */
    static int exitCode(Throwable failure, PrintStream err) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 32; t = t.getCause(), depth++) {
            if (t instanceof SettingsException) {
                err.println("condense: " + t.getMessage());
                return BAD_SETTINGS;
            }
            if (t instanceof DataException) {
                err.println("condense: bad input: " + t.getMessage());
                return BAD_DATA;
            }
            if (t instanceof TrainingDivergedException) {
                err.println("condense: training diverged: " + t.getMessage());
                return DIVERGED;
            }
        }
        err.println("condense: failed: " + failure);
        failure.printStackTrace(err);
        return FAILED;
    }

    private static void execute(JavaSparkContext sc, String command, CondenseSettings settings) {
        switch (command) {
            case "finetune" -> {
                if (settings.data().format().isTranscribed()) {
                    FinetuneJob.transcribe(sc, settings, System.out::println);
                } else {
                    FinetuneJob.run(sc, settings, System.out::println);
                }
            }
            case "evaluate" -> EvaluateJob.run(sc, settings, System.out::println);
            case "prune" -> PruneJob.run(sc, settings, System.out::println);
            case "shrink" -> ShrinkJob.run(sc, settings, System.out::println);
            case "factorise" -> FactoriseJob.run(sc, settings, System.out::println);
            case "report" -> System.out.println("report: " + dev.condense.spark.report.RunReport.write(
                    sc.hadoopConfiguration(), settings.run().directory()));
            case "compress" -> CompressJob.run(sc, settings, System.out::println);
            default -> throw new SettingsException("unknown command '" + command + "'; " + USAGE);
        }
    }

    static String meaning(int code) {
        return switch (code) {
            case OK -> "success";
            case BAD_SETTINGS -> "bad settings or usage";
            case BAD_DATA -> "bad input data";
            case DIVERGED -> "training diverged";
            default -> "failure";
        };
    }

    /** The parsed command line. */
    record Command(String name, String configText, String configOrigin, List<String> overrides) {

        static Command parse(String[] args) {
            if (args.length == 0) {
                throw new SettingsException(USAGE);
            }
            String name = args[0];
            if (!List.of("compress", "finetune", "prune", "shrink", "factorise", "evaluate", "export",
                    "report").contains(name)) {
                throw new SettingsException("unknown command '" + name + "'; " + USAGE);
            }
            String text = "";
            String origin = "defaults";
            List<String> overrides = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                if (args[i].equals("--config")) {
                    if (i + 1 >= args.length) {
                        throw new SettingsException("--config needs a file; " + USAGE);
                    }
                    origin = args[++i];
                    text = readConfig(origin);
                } else if (args[i].contains("=")) {
                    overrides.add(args[i]);
                } else {
                    throw new SettingsException("unexpected argument '" + args[i] + "'; " + USAGE);
                }
            }
            return new Command(name, text, origin, overrides);
        }

        private static String readConfig(String path) {
            try {
                return new String(dev.condense.spark.io.HadoopFiles.readAll(new Configuration(), path),
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new SettingsException("cannot read config file " + path + ": " + e.getMessage(), e);
            }
        }
    }
}
