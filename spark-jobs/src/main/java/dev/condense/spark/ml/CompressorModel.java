package dev.condense.spark.ml;

import com.fasterxml.jackson.databind.JsonNode;
import dev.condense.models.export.OnnxExport;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.state.ModelState;
import dev.condense.spark.io.ExportedModel;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A compressed text classifier, as {@link Compressor#fit} returns it. {@link #transform} adds the predicted class
 * index ({@code prediction}, a double as Spark ML's evaluators expect), the class probabilities
 * ({@code probability}, a vector) and the predicted label's name ({@code predictedLabel}); the model, exported as an
 * ONNX graph and broadcast, runs in an ONNX Runtime session per task. {@link #save} writes Spark ML's metadata (params, labels, the
 * fit's metrics), {@code provenance.json}, the weights ({@code model.bin}) and the model exported for serving ({@code model.onnx},
 * {@code model-int8.onnx}, {@code tokenizer.json}; see {@code condense export}) to any Hadoop URI.
 */
public final class CompressorModel extends Model<CompressorModel> implements MLWritable {

    private static final long serialVersionUID = 1L;
    private static final CondenseSettings DEFAULTS = SettingsLoader.defaults();

    private final String uid;
    private final byte[] model;
    private final List<String> labels;
    private final int maxLength;
    private final Map<String, Double> metrics;
    /** What made the model ({@link Provenance}, as JSON), or empty for a model made otherwise. */
    private final String provenance;

    // Spark ML params name their owner by uid, so they are made in the constructor, once the uid is set.
    private final Param<String> textCol;
    private final Param<String> textPairCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> predictedLabelCol;
    private final IntParam batchSize;
    private final IntParam threadsPerTask;

    /**
     * @param model     the weights, as {@link ModelState#toBytes}
     * @param labels    the label names in class-index order
     * @param maxLength word pieces per example, as in training
     * @param metrics   the fit's dev metrics (e.g. {@code teacher_accuracy})
     */
    CompressorModel(String uid, byte[] model, List<String> labels, int maxLength, Map<String, Double> metrics) {
        this(uid, model, labels, maxLength, metrics, "");
    }

    /** @param provenance what made the model, as the JSON of {@link Provenance}; empty when unknown */
    CompressorModel(String uid, byte[] model, List<String> labels, int maxLength, Map<String, Double> metrics,
                    String provenance) {
        this.uid = uid;
        this.provenance = provenance;
        this.model = model;
        this.labels = List.copyOf(labels);
        this.maxLength = maxLength;
        this.metrics = Map.copyOf(metrics);
        textCol = new Param<>(this, "textCol", "the text column");
        textPairCol = new Param<>(this, "textPairCol",
                "the second text column of sentence-pair tasks; empty for single-sentence tasks");
        predictionCol = new Param<>(this, "predictionCol", "output: the class index");
        probabilityCol = new Param<>(this, "probabilityCol", "output: the class probabilities");
        predictedLabelCol = new Param<>(this, "predictedLabelCol", "output: the predicted label's name");
        batchSize = new IntParam(this, "batchSize", "rows per forward pass on an executor", ParamValidators.gtEq(1));
        threadsPerTask = new IntParam(this, "threadsPerTask", "threads per task for ND4J and ONNX Runtime (0 leaves the libraries' defaults)",
                ParamValidators.gtEq(0));
        setDefault(textCol, DEFAULTS.data().textColumn());
        setDefault(textPairCol, DEFAULTS.data().textPairColumn());
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(predictedLabelCol, "predictedLabel");
        setDefault(batchSize, DEFAULTS.evaluate().batchSize());
        setDefault(threadsPerTask, DEFAULTS.spark().threadsPerTask());
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public Param<String> textPairCol() {
        return textPairCol;
    }

    public Param<String> predictionCol() {
        return predictionCol;
    }

    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    public Param<String> predictedLabelCol() {
        return predictedLabelCol;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public IntParam threadsPerTask() {
        return threadsPerTask;
    }

    public CompressorModel setTextCol(String value) {
        return (CompressorModel) set(textCol, value);
    }

    public CompressorModel setTextPairCol(String value) {
        return (CompressorModel) set(textPairCol, value);
    }

    public CompressorModel setPredictionCol(String value) {
        return (CompressorModel) set(predictionCol, value);
    }

    public CompressorModel setProbabilityCol(String value) {
        return (CompressorModel) set(probabilityCol, value);
    }

    public CompressorModel setPredictedLabelCol(String value) {
        return (CompressorModel) set(predictedLabelCol, value);
    }

    public CompressorModel setBatchSize(int value) {
        return (CompressorModel) set(batchSize, value);
    }

    /** The label names, in class-index order: {@code prediction} indexes this list. */
    public List<String> labels() {
        return labels;
    }

    /** The fit's dev metrics: accuracy of each stage that ran, sparsity of the student. */
    public Map<String, Double> metrics() {
        return metrics;
    }

    /**
     * What made the model, as JSON: the stage, the models it started from with their SHA-256, the training data's
     * digest, the seed, every setting and the library versions; empty when unknown. Saved as {@code provenance.json}.
     */
    public String provenance() {
        return provenance;
    }

    /** The weights, architecture and masks, as Condense's jobs save them. */
    public ModelState modelState() {
        return ModelState.fromBytes(model);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return withOutputs(schema, $(textCol), $(textPairCol), $(predictionCol), $(probabilityCol),
                $(predictedLabelCol));
    }

    /** {@code schema} with the output columns added, once its text columns are checked to be strings. */
    static StructType withOutputs(StructType schema, String textCol, String textPairCol, String predictionCol,
                                  String probabilityCol, String predictedLabelCol) {
        requireString(schema, textCol);
        if (!textPairCol.isEmpty()) {
            requireString(schema, textPairCol);
        }
        for (String out : List.of(predictionCol, probabilityCol, predictedLabelCol)) {
            if (Arrays.asList(schema.fieldNames()).contains(out)) {
                throw new IllegalArgumentException("output column '" + out + "' already exists; set another name");
            }
        }
        return schema.add(predictionCol, DataTypes.DoubleType, true)
                .add(probabilityCol, SQLDataTypes.VectorType(), true)
                .add(predictedLabelCol, DataTypes.StringType, true);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema(), true);
        Dataset<Row> frame = dataset.toDF();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext());
        // exported once per call on the driver; every task scores it in an ONNX Runtime session of its own
        Broadcast<byte[]> graph = sc.broadcast(OnnxExport.toBytes(ModelState.fromBytes(model), Precision.FLOAT32,
                Operators.ONNX_RUNTIME, labels, "transform"));
        int pair = $(textPairCol).isEmpty() ? -1 : frame.schema().fieldIndex($(textPairCol));
        // on the Dataset, not its RDD, so that a streaming DataFrame is scored batch by batch as it arrives
        return frame.mapPartitions(new TextPredictions(graph, frame.schema().fieldIndex($(textCol)), pair,
                maxLength, labels, (Integer) $(batchSize), (Integer) $(threadsPerTask)), Encoders.row(out));
    }

    @Override
    public CompressorModel copy(ParamMap extra) {
        CompressorModel copy = new CompressorModel(uid, model, labels, maxLength, metrics, provenance);
        return copyValues(copy, extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<CompressorModel> read() {
        return new Reader();
    }

    public static CompressorModel load(String path) {
        return read().load(path);
    }

    private static void requireString(StructType schema, String column) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new IllegalArgumentException("no column '" + column + "'; columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        if (!schema.apply(column).dataType().equals(DataTypes.StringType)) {
            throw new IllegalArgumentException("column '" + column + "' must be a string, not "
                    + schema.apply(column).dataType().simpleString());
        }
    }

    private static final class Writer extends MLWriter {
        private final CompressorModel stage;

        Writer(CompressorModel stage) {
            this.stage = stage;
        }

        @Override
        public void saveImpl(String path) {
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            ModelStore.save(conf, path, stage.modelState(), stage.labels, "");
            try {
                ExportedModel.write(conf, path, stage.modelState(), stage.labels, List.of(Precision.FLOAT32,
                        Precision.INT8), Operators.ONNX_RUNTIME, MiniLm.tokenizerJson());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("labels", stage.labels);
            extra.put("maxLength", stage.maxLength);
            extra.put("metrics", stage.metrics);
            ParamsJson.write(conf, path, stage, extra);
            if (!stage.provenance.isEmpty()) {
                try {
                    HadoopFiles.writeAtomically(conf, path + "/" + Provenance.FILE, stage.provenance);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        }
    }

    private static final class Reader extends MLReader<CompressorModel> {
        @Override
        public CompressorModel load(String path) {
            Configuration conf = sparkSession().sparkContext().hadoopConfiguration();
            JsonNode metadata = ParamsJson.read(conf, path, CompressorModel.class);
            List<String> labels = new ArrayList<>();
            metadata.path("labels").forEach(l -> labels.add(l.asText()));
            Map<String, Double> metrics = new LinkedHashMap<>();
            metadata.path("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
            CompressorModel model = new CompressorModel(metadata.path("uid").asText(),
                    ModelStore.load(conf, path).toBytes(), labels, metadata.path("maxLength").asInt(), metrics,
                    Provenance.read(conf, path).map(JsonNode::toPrettyString).orElse(""));
            ParamsJson.restore(metadata, model);
            return model;
        }
    }
}
