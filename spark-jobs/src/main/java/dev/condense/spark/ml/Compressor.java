package dev.condense.spark.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsityReport;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.ModelState;
import dev.condense.spark.data.DataFrameText;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.io.DataException;
import dev.condense.spark.pipeline.CompressionPipeline;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.not;

/**
 * The Condense pipeline as a Spark ML estimator, for notebooks: {@code fit(df)} fine-tunes the teacher on the
 * DataFrame's text and labels and prunes a student under distillation from it (the stages of
 * {@code condense.pipeline.stages}), on the session's cluster, and returns a {@link CompressorModel}.
 *
 * <p>Each param stands for one Condense setting and takes its default from {@code reference.conf}. A fit's settings
 * are {@code reference.conf}, then the {@link #settings} param's HOCON (for every other setting, e.g.
 * {@code prune.groups}), then each param set explicitly; they are validated like the command line's before any
 * Spark work. Checkpoints go to {@code <outputDir>/<runId>}, so a fit interrupted (a detached notebook, a lost
 * driver) resumes where it stopped when run again with the same run id.
 *
 * <p>Rows whose {@link #validationIndicatorCol} is true are the dev set that the stages report their accuracy on;
 * without that column the metrics are measured on the training rows.
 */
public final class Compressor extends Estimator<CompressorModel> implements MLWritable {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(Compressor.class);
    private static final CondenseSettings DEFAULTS = SettingsLoader.defaults();
    private static final String SETTINGS_ROOT = "condense";

    private final String uid;
    /** Each param's setting path below {@code condense}; params without one are the estimator's own. */
    private final Map<Param<?>, String> settingOf = new LinkedHashMap<>();

    private final Param<String> textCol;
    private final Param<String> textPairCol;
    private final Param<String> labelCol;
    private final StringArrayParam labels;
    private final Param<String> validationIndicatorCol;
    private final StringArrayParam stages;
    private final Param<String> pretrained;
    private final Param<String> pruneMethod;
    private final IntParam finetuneRounds;
    private final IntParam pruneRounds;
    private final DoubleParam learningRate;
    private final IntParam maxLength;
    private final IntParam partitions;
    private final Param<String> runId;
    private final Param<String> outputDir;
    private final Param<String> settings;

    public Compressor() {
        this(Identifiable$.MODULE$.randomUID("condense"));
    }

    public Compressor(String uid) {
        this.uid = uid;
        CondenseSettings.Data data = DEFAULTS.data();
        textCol = setting(new Param<>(this, "textCol", "the text column"), "data.text-column", data.textColumn());
        textPairCol = setting(new Param<>(this, "textPairCol", "the second text column of sentence-pair tasks; "
                + "empty for single-sentence tasks"), "data.text-pair-column", data.textPairColumn());
        labelCol = setting(new Param<>(this, "labelCol", "the label column: strings, or numbers such as 0.0 and 1.0"),
                "data.label-column", data.labelColumn());
        labels = setting(new StringArrayParam(this, "labels", "the label names in class-index order",
                (scala.Function1<String[], Object>) names -> names.length > 1), "data.labels", data.labels().toArray(String[]::new));
        validationIndicatorCol = new Param<>(this, "validationIndicatorCol",
                "a boolean column, true for the dev rows; empty: metrics on the training rows");
        setDefault(validationIndicatorCol, "");
        stages = setting(new StringArrayParam(this, "stages", "the pipeline stages, in order, from finetune, prune, shrink, factorise, export"),
                "pipeline.stages", DEFAULTS.pipeline().stages().toArray(String[]::new));
        pretrained = setting(new Param<>(this, "pretrained", "\"minilm\" or the path of a saved Condense model"),
                "model.pretrained", DEFAULTS.model().pretrained());
        List<String> methods = Arrays.stream(ScoreMethod.values()).map(ScoreMethod::settingName).toList();
        pruneMethod = setting(new Param<>(this, "pruneMethod", "how structures are ranked: " + methods,
                ParamValidators.inArray(methods)), "prune.method", DEFAULTS.prune().pruner().method().settingName());
        finetuneRounds = setting(new IntParam(this, "finetuneRounds", "averaging rounds of the teacher's training",
                ParamValidators.gtEq(1)), "finetune.rounds", DEFAULTS.finetune().rounds());
        pruneRounds = setting(new IntParam(this, "pruneRounds", "averaging rounds of the student's training",
                ParamValidators.gtEq(1)), "prune.training.rounds", DEFAULTS.prune().training().rounds());
        learningRate = setting(new DoubleParam(this, "learningRate", "the teacher's peak learning rate",
                ParamValidators.gt(0)), "finetune.learning-rate", DEFAULTS.finetune().learningRate());
        maxLength = setting(new IntParam(this, "maxLength", "word pieces per example, [CLS] and [SEP] included",
                ParamValidators.gtEq(8)), "data.max-length", data.maxLength());
        partitions = setting(new IntParam(this, "partitions", "training shards, one replica each",
                ParamValidators.gtEq(1)), "spark.partitions", DEFAULTS.spark().partitions());
        runId = setting(new Param<>(this, "runId", "names the run's directory; a rerun with the same id resumes"),
                "run.id", DEFAULTS.run().id());
        outputDir = setting(new Param<>(this, "outputDir", "where runs are written: any Hadoop URI"), "run.output",
                DEFAULTS.run().output());
        settings = new Param<>(this, "settings", "HOCON for any other Condense setting, e.g. "
                + "'prune.groups = [{granularity = head, sparsity = 0.5}]'");
        setDefault(settings, "");
    }

    private <T, P extends Param<T>> P setting(P param, String path, T defaultValue) {
        settingOf.put(param, path);
        setDefault(param, defaultValue);
        return param;
    }

    @Override
    public String uid() {
        return uid;
    }

    // Param accessors (Spark ML finds params through these public no-argument methods), then setters.

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> textPairCol() {
        return textPairCol;
    }

    public Param<String> labelCol() {
        return labelCol;
    }

    public StringArrayParam labels() {
        return labels;
    }

    public Param<String> validationIndicatorCol() {
        return validationIndicatorCol;
    }

    public StringArrayParam stages() {
        return stages;
    }

    public Param<String> pretrained() {
        return pretrained;
    }

    public Param<String> pruneMethod() {
        return pruneMethod;
    }

    public IntParam finetuneRounds() {
        return finetuneRounds;
    }

    public IntParam pruneRounds() {
        return pruneRounds;
    }

    public DoubleParam learningRate() {
        return learningRate;
    }

    public IntParam maxLength() {
        return maxLength;
    }

    public IntParam partitions() {
        return partitions;
    }

    public Param<String> runId() {
        return runId;
    }

    public Param<String> outputDir() {
        return outputDir;
    }

    public Param<String> settings() {
        return settings;
    }

    public Compressor setTextCol(String value) {
        return (Compressor) set(textCol, value);
    }

    public Compressor setTextPairCol(String value) {
        return (Compressor) set(textPairCol, value);
    }

    public Compressor setLabelCol(String value) {
        return (Compressor) set(labelCol, value);
    }

    public Compressor setLabels(String... value) {
        return (Compressor) set(labels, value);
    }

    public Compressor setValidationIndicatorCol(String value) {
        return (Compressor) set(validationIndicatorCol, value);
    }

    public Compressor setStages(String... value) {
        return (Compressor) set(stages, value);
    }

    public Compressor setPretrained(String value) {
        return (Compressor) set(pretrained, value);
    }

    public Compressor setPruneMethod(String value) {
        return (Compressor) set(pruneMethod, value);
    }

    public Compressor setFinetuneRounds(int value) {
        return (Compressor) set(finetuneRounds, value);
    }

    public Compressor setPruneRounds(int value) {
        return (Compressor) set(pruneRounds, value);
    }

    public Compressor setLearningRate(double value) {
        return (Compressor) set(learningRate, value);
    }

    public Compressor setMaxLength(int value) {
        return (Compressor) set(maxLength, value);
    }

    public Compressor setPartitions(int value) {
        return (Compressor) set(partitions, value);
    }

    public Compressor setRunId(String value) {
        return (Compressor) set(runId, value);
    }

    public Compressor setOutputDir(String value) {
        return (Compressor) set(outputDir, value);
    }

    public Compressor setSettings(String hocon) {
        return (Compressor) set(settings, hocon);
    }

    /**
     * The validated settings a fit runs with: {@code reference.conf}, then {@link #settings}, then the params set
     * explicitly. An invalid value is reported with its setting path and the param that set it.
     */
    public CondenseSettings condenseSettings() {
        List<String> overrides = new ArrayList<>();
        settingOf.forEach((param, path) -> {
            if (isSet(param)) {
                overrides.add(path + "=" + hocon($(param)));
            }
        });
        try {
            return SettingsLoader.load(rooted($(settings)), "the Compressor's settings param", overrides);
        } catch (SettingsException e) {
            StringBuilder hint = new StringBuilder();
            settingOf.forEach((param, path) -> {
                if (e.getMessage().contains("condense." + path)) {
                    hint.append(" (param ").append(param.name()).append(')');
                }
            });
            throw new SettingsException(e.getMessage() + hint, e);
        }
    }

    @Override
    public CompressorModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema(), true);
        CondenseSettings s = condenseSettings();
        Dataset<Row> frame = dataset.toDF();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext());
        // a notebook cell shows the driver's stdout, not its log: a line per round reaches the person waiting
        CompressionPipeline.Outcome outcome = CompressionPipeline.of(s).run(sc, s, taskData(frame, s), line -> {
            LOG.info(line);
            System.out.println(line);
        });

        ModelState model = ModelStore.load(sc.hadoopConfiguration(), outcome.modelDirectory());
        Map<String, Double> metrics = new LinkedHashMap<>();
        outcome.devAccuracy().forEach((saved, accuracy) -> metrics.put(switch (saved) {
            case TEACHER -> "teacher_accuracy";
            case STUDENT -> "student_accuracy";
            case COMPRESSED, FACTORISED -> "compressed_accuracy";
        }, accuracy));
        metrics.put("encoder_matrix_sparsity", SparsityReport.of(model.weights()).encoderSparsity());
        metrics.put("encoder_matrix_values", (double) ParameterCount.of(model).encoderMatrixValues());
        CompressorModel fitted = new CompressorModel(uid, model.toBytes(), s.data().labels(), s.data().maxLength(),
                metrics, Provenance.read(sc.hadoopConfiguration(), outcome.modelDirectory())
                .map(JsonNode::toPrettyString).orElse(""));
        return copyValues(fitted, ParamMap.empty()).setParent(this);
    }

    private TaskData taskData(Dataset<Row> frame, CondenseSettings s) {
        String indicator = $(validationIndicatorCol);
        if (indicator.isEmpty()) {
            DataFrameText rows = new DataFrameText(frame, "the training DataFrame", s.data());
            return new TaskData(rows, rows);
        }
        if (!Arrays.asList(frame.schema().fieldNames()).contains(indicator)
                || !frame.schema().apply(indicator).dataType().equals(DataTypes.BooleanType)) {
            throw new DataException("validationIndicatorCol '" + indicator + "' must be a boolean column; columns are "
                    + frame.schema().simpleString());
        }
        return new TaskData(
                new DataFrameText(frame.filter(not(col(indicator))), "the training rows of the DataFrame", s.data()),
                new DataFrameText(frame.filter(col(indicator)), "the validation rows of the DataFrame", s.data()));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return CompressorModel.withOutputs(schema, $(textCol), $(textPairCol), "prediction", "probability",
                "predictedLabel");
    }

    @Override
    public Compressor copy(ParamMap extra) {
        return copyValues(new Compressor(uid), extra);
    }

    @Override
    public MLWriter write() {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                ParamsJson.write(sparkSession().sparkContext().hadoopConfiguration(), path, Compressor.this,
                        Map.of());
            }
        };
    }

    public static MLReader<Compressor> read() {
        return new MLReader<>() {
            @Override
            public Compressor load(String path) {
                JsonNode metadata = ParamsJson.read(sparkSession().sparkContext().hadoopConfiguration(), path,
                        Compressor.class);
                Compressor stage = new Compressor(metadata.path("uid").asText());
                ParamsJson.restore(metadata, stage);
                return stage;
            }
        };
    }

    public static Compressor load(String path) {
        return read().load(path);
    }

    /** The settings param's HOCON under {@code condense}, where its keys belong whether or not they name it. */
    private static String rooted(String hocon) {
        try {
            if (ConfigFactory.parseString(hocon).hasPath(SETTINGS_ROOT)) {
                return hocon;
            }
        } catch (ConfigException e) {
            return hocon; // the loader reports the parse error with its origin
        }
        return SETTINGS_ROOT + " {\n" + hocon + "\n}";
    }

    /** A param value as HOCON: strings quoted, arrays as lists, numbers as they are. */
    private static String hocon(Object value) {
        Object plain = value instanceof String[] array ? List.of(array) : value;
        return ConfigValueFactory.fromAnyRef(plain).render(ConfigRenderOptions.concise());
    }
}
