package dev.condense.spark.jobs;

import dev.condense.spark.io.DataException;
import dev.condense.spark.session.SparkSessions;
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
import java.util.Arrays;
import java.util.List;

/**
 * The entry point for {@code spark-submit} and the launchers:
 * {@code condense <command> [--config FILE] [key=value ...]} ({@link Commands}; {@code --help}, {@code --version}).
 * Settings are read and checked before a SparkContext exists. Exit codes a scheduler can act on: 0 success, 2 bad settings or usage,
 * 3 bad input data, 4 training diverged, 1 any other failure.
 */
public final class Condense {

    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_SETTINGS = 2;
    public static final int BAD_DATA = 3;
    /** Training diverged (non-finite loss or weights): retrying unchanged will not help; lower the learning rate. */
    public static final int DIVERGED = 4;

    private static final String USAGE = Commands.USAGE;

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
            if (args.length == 1 && args[0].equals("--version")) {
                System.out.print(Commands.version());
                return OK;
            }
            if (args.length >= 1 && Commands.isHelp(args[0])) {
                System.out.print(Commands.help());
                return OK;
            }
            if (args.length >= 2 && Commands.ALL.containsKey(args[0])
                    && Arrays.stream(args).skip(1).anyMatch(Commands::isHelp)) {
                System.out.print(Commands.help(args[0]));
                return OK;
            }
            Command command = Command.parse(args);
            CondenseSettings settings = SettingsLoader.load(command.configText(), command.configOrigin(),
                    command.overrides());
            Commands.Command what = Commands.ALL.get(command.name());
            if (!what.needsCluster()) {
                Configuration conf = shared != null ? shared.sparkContext().hadoopConfiguration() : new Configuration();
                what.action().run(conf, null, settings, System.out::println);
                return OK;
            }
            SparkSession spark = shared != null ? shared : SparkSessions.create(settings.spark());
            try {
                JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
                what.action().run(sc.hadoopConfiguration(), sc, settings, System.out::println);
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
            if (!Commands.ALL.containsKey(name)) {
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
