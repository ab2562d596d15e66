package dev.condense.spark.ml;

import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.SparsityReport;
import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.SettingsException;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The notebook API used the way a notebook uses it: a plain {@code local[2]} session that Condense did not
 * configure (Spark's default Java serialization, no Kryo registrator), a DataFrame with Spark ML's double labels,
 * {@code fit}, {@code transform}, save and load.
 */
class CompressorTest {

    private static final StructType SCHEMA = new StructType()
            .add("sentence", DataTypes.StringType)
            .add("label", DataTypes.DoubleType)
            .add("isVal", DataTypes.BooleanType);

    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void notebookSession() {
        // Tests before this one may have left a session configured like the jobs'; a notebook's is plain.
        for (scala.Option<SparkSession> s : List.of(SparkSession.getActiveSession(), SparkSession.getDefaultSession())) {
            if (s.isDefined()) {
                s.get().stop();
            }
        }
        spark = SparkSession.builder().master("local[2]").appName("notebook")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void fitsTransformsSavesAndLoadsLikeANotebook() throws IOException {
        Dataset<Row> df = sst2(0, 160, 4);
        Compressor compressor = new Compressor()
                .setValidationIndicatorCol("isVal")
                .setFinetuneRounds(2)
                .setPruneRounds(2)
                .setPruneMethod("taylor")
                .setMaxLength(64)
                .setOutputDir(dir.resolve("runs").toString())
                .setRunId("notebook")
                .setSettings("""
                        finetune { local-steps = 2, batch-size = 8 }
                        prune {
                          groups = [ { kinds = [], granularity = head, sparsity = 0.5 } ]
                          schedule { kind = one-shot, start-step = 0, end-step = 0 }
                          training { local-steps = 2, batch-size = 8 }
                        }
                        """);
        CompressorModel model = compressor.fit(df);

        assertEquals(List.of("0", "1"), model.labels());
        assertTrue(model.metrics().containsKey("teacher_accuracy") && model.metrics().containsKey("student_accuracy"),
                model.metrics().toString());
        double sparsity = SparsityReport.of(model.modelState().weights()).encoderSparsity();
        assertEquals(sparsity, model.metrics().get("encoder_matrix_sparsity"), 1e-12);
        int heads = model.modelState().spec().layerShapes().stream().mapToInt(l -> l.heads()).sum();
        assertEquals(36, heads, "the shrink stage cut out the 36 pruned heads");
        assertEquals(6 * 4 * 384 * 192 + 6 * 2 * 384 * 1536, model.metrics().get("encoder_matrix_values"), 0.0,
                "half the attention matrices' values, all the FFN's");
        assertEquals(model.metrics().get("student_accuracy"), model.metrics().get("compressed_accuracy"), 0.0,
                "the shrunk model predicts what the masked student predicts");
        assertTrue(Files.exists(dir.resolve("runs/notebook/student/model.bin")), "the run directory is the CLI's");
        // the same run id on other rows used to resume the first fit's checkpoints and return its model
        SettingsException otherData = assertThrows(SettingsException.class, () -> compressor.fit(sst2(500, 160, 4)));
        assertTrue(otherData.getMessage().contains("checkpoints made on other data"), otherData.getMessage());

        List<Row> out = model.transform(df).collectAsList();
        assertEquals(160, out.size());
        int validation = 0;
        int correct = 0;
        for (Row r : out) {
            double[] p = ((Vector) r.getAs("probability")).toArray();
            assertEquals(1.0, p[0] + p[1], 1e-6);
            int predicted = (int) r.getDouble(r.fieldIndex("prediction"));
            assertTrue(p[predicted] >= p[1 - predicted]);
            assertEquals(Integer.toString(predicted), r.getString(r.fieldIndex("predictedLabel")));
            if (r.getBoolean(r.fieldIndex("isVal"))) {
                validation++;
                correct += predicted == (int) r.getDouble(r.fieldIndex("label")) ? 1 : 0;
            }
        }
        assertEquals(40, validation);
        assertEquals(model.metrics().get("student_accuracy"), correct / 40.0, 1.0 / 40 + 1e-9,
                "transform agrees with the fit's own evaluation of the validation rows");

        String saved = dir.resolve("saved-model").toString();
        model.write().save(saved);
        for (String served : List.of("model.onnx", "model-int8.onnx", "tokenizer.json")) {
            assertTrue(Files.exists(dir.resolve("saved-model").resolve(served)), served + " saved for serving");
        }
        CompressorModel loaded = CompressorModel.load(saved);
        assertEquals(model.uid(), loaded.uid());
        assertEquals(model.metrics(), loaded.metrics());
        List<Row> again = loaded.setPredictedLabelCol("label name").transform(df).collectAsList();
        for (int i = 0; i < out.size(); i++) {
            assertArrayEquals(((Vector) out.get(i).getAs("probability")).toArray(),
                    ((Vector) again.get(i).getAs("probability")).toArray(), 0.0, "row " + i);
            assertEquals(out.get(i).getString(out.get(i).fieldIndex("predictedLabel")),
                    again.get(i).getString(again.get(i).fieldIndex("label name")));
        }

        String estimator = dir.resolve("saved-compressor").toString();
        compressor.write().save(estimator);
        Compressor reloaded = Compressor.load(estimator);
        assertEquals(compressor.uid(), reloaded.uid());
        assertEquals(compressor.condenseSettings().values(), reloaded.condenseSettings().values());
        assertEquals(2, reloaded.getOrDefault(reloaded.pruneRounds()));
    }

    @Test
    void badParamsAndBadRowsAreNamedBeforeTraining() {
        assertThrows(IllegalArgumentException.class, () -> new Compressor().setMaxLength(3));
        assertThrows(IllegalArgumentException.class, () -> new Compressor().setPruneMethod("random"));
        SettingsException duplicate = assertThrows(SettingsException.class,
                () -> new Compressor().setLabels("pos", "pos").condenseSettings());
        assertTrue(duplicate.getMessage().contains("condense.data.labels") && duplicate.getMessage()
                .contains("(param labels)"), duplicate.getMessage());
        SettingsException typo = assertThrows(SettingsException.class,
                () -> new Compressor().setSettings("finetune.round = 3").condenseSettings());
        assertTrue(typo.getMessage().contains("did you mean condense.finetune.rounds?"), typo.getMessage());

        Dataset<Row> df = spark.createDataFrame(List.of(RowFactory.create("fine", 1.0, false),
                RowFactory.create("awful", 2.0, false)), SCHEMA);
        Compressor compressor = new Compressor().setOutputDir(dir.resolve("bad").toString());
        DataException label = assertThrows(DataException.class, () -> compressor.fit(df));
        assertTrue(label.getMessage().contains("the training DataFrame row 2: label '2' is not one of [0, 1]"),
                label.getMessage());
        DataException column = assertThrows(DataException.class, () -> compressor.setLabelCol("stars").fit(df));
        assertTrue(column.getMessage().contains("no label column 'stars'"), column.getMessage());
        assertTrue(!Files.exists(dir.resolve("bad")), "nothing is written for bad input");
    }

    /** A MiniLM classifier with a random head, as a fitted stage: what the tests below save, load and stream. */
    private static CompressorModel untrainedModel(String uid) throws IOException {
        return new CompressorModel(uid, MiniLm.classifier(2, 5).toBytes(), List.of("0", "1"), 64,
                Map.of("teacher_accuracy", 0.5));
    }

    /**
     * A CompressorModel inside a PipelineModel, and a Compressor inside a Pipeline, save and load through Spark's own
     * readers, which find each stage's class in Spark's metadata layout.
     */
    @Test
    void pipelinesHoldingCondenseStagesSaveAndLoadThroughSparksReaders() throws IOException {
        Dataset<Row> df = sst2(0, 24, 4);
        CompressorModel model = untrainedModel("condense-model").setPredictedLabelCol("sentiment");
        PipelineModel pipeline = new Pipeline().setStages(new PipelineStage[] {model}).fit(df);
        String path = dir.resolve("pipeline-model").toString();
        pipeline.write().overwrite().save(path);
        assertTrue(Files.exists(Path.of(path, "stages", "0_condense-model", "metadata", "part-00000")));

        PipelineModel loaded = PipelineModel.load(path);
        CompressorModel stage = (CompressorModel) loaded.stages()[0];
        assertEquals("sentiment", stage.getOrDefault(stage.predictedLabelCol()));
        assertEquals(model.metrics(), stage.metrics());
        List<Row> before = pipeline.transform(df).collectAsList();
        List<Row> after = loaded.transform(df).collectAsList();
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(((Vector) before.get(i).getAs("probability")).toArray(),
                    ((Vector) after.get(i).getAs("probability")).toArray(), 0.0, "row " + i);
        }

        Compressor compressor = new Compressor().setRunId("in-a-pipeline").setPruneRounds(24);
        String estimator = dir.resolve("pipeline").toString();
        new Pipeline().setStages(new PipelineStage[] {compressor}).write().save(estimator);
        Compressor back = (Compressor) Pipeline.load(estimator).getStages()[0];
        assertEquals(compressor.uid(), back.uid());
        assertEquals(24, back.getOrDefault(back.pruneRounds()));
        assertTrue(back.isSet(back.runId()) && !back.isSet(back.partitions()), "set params stay set, defaults default");
        assertEquals(compressor.condenseSettings().values(), back.condenseSettings().values());
    }

    /** transform works on a streaming DataFrame: each micro-batch is scored as it arrives, as a static one is. */
    @Test
    void aStreamingDataFrameIsScoredAsItArrives() throws Exception {
        List<String> sentences = Files.readAllLines(Path.of("../data-samples/sst2/train.tsv")).subList(1, 21).stream()
                .map(line -> line.split("\t")[0]).toList();
        Path input = Files.createDirectories(dir.resolve("stream-in"));
        Files.write(input.resolve("part-0.txt"), sentences);
        CompressorModel model = untrainedModel("streaming").setTextCol("value");

        Dataset<Row> stream = spark.readStream().format("text").load(input.toString());
        assertTrue(stream.isStreaming());
        StreamingQuery query = model.transform(stream).writeStream().format("memory").queryName("scored")
                .outputMode("append").start();
        try {
            query.processAllAvailable();
        } finally {
            query.stop();
        }
        List<Row> streamed = spark.sql("select value, probability from scored order by value").collectAsList();
        List<Row> once = model.transform(spark.read().format("text").load(input.toString()))
                .select("value", "probability").orderBy("value").collectAsList();
        assertEquals(20, streamed.size());
        for (int i = 0; i < once.size(); i++) {
            assertEquals(once.get(i).getString(0), streamed.get(i).getString(0));
            assertArrayEquals(((Vector) once.get(i).get(1)).toArray(), ((Vector) streamed.get(i).get(1)).toArray(),
                    1e-6, once.get(i).getString(0));
        }
    }

    /** {@code count} SST-2 training rows from {@code from}, every {@code validationEvery}-th marked as validation. */
    private static Dataset<Row> sst2(int from, int count, int validationEvery) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("../data-samples/sst2/train.tsv"));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String[] cells = lines.get(1 + from + i).split("\t");
            rows.add(RowFactory.create(cells[0], Double.parseDouble(cells[1]), i % validationEvery == 0));
        }
        return spark.createDataFrame(rows, SCHEMA);
    }
}
