import dev.condense.spark.ml.Compressor;
import dev.condense.spark.ml.CompressorModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.List;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

/**
 * What a notebook attached to a cluster does with Condense, as one program (run by deploy/check-notebook-api):
 * a plain session on the standalone cluster with only the dist jar as a library, a DataFrame read from SST-2,
 * Compressor.fit, CompressorModel.transform, save and load. Exits non-zero when the reloaded model disagrees.
 *   args: <master> <dist jar> <executor java options> <SST-2 train.tsv> <output directory>
 */
public class ClusterNotebook {

    public static void main(String[] args) throws java.io.IOException {
        SparkSession spark = SparkSession.builder().appName("condense-notebook").master(args[0])
                .config("spark.jars", args[1])
                .config("spark.executor.extraJavaOptions", args[2])
                .config("spark.executor.memory", "5g")
                .config("spark.cores.max", "2")
                .getOrCreate();
        Dataset<Row> df = spark.read().option("header", "true").option("sep", "\t").option("quote", "")
                .csv(args[3]).limit(600)
                .withColumn("is_dev", abs(xxhash64(col("sentence"))).mod(5).equalTo(0));

        CompressorModel model = new Compressor()
                .setValidationIndicatorCol("is_dev")
                .setMaxLength(64)
                .setFinetuneRounds(3)
                .setPruneRounds(2)
                .setPruneMethod("taylor")
                .setOutputDir(args[4] + "/runs")
                .setRunId("notebook")
                .setSettings("""
                        finetune { local-steps = 6, batch-size = 8 }
                        prune {
                          groups = [ { kinds = [], granularity = head, sparsity = 0.5 } ]
                          schedule { kind = one-shot, start-step = 0, end-step = 0 }
                          training { local-steps = 4, batch-size = 8 }
                        }
                        """)
                .fit(df);
        System.out.println("fit metrics: " + model.metrics());

        Dataset<Row> dev = df.filter(col("is_dev"));
        List<Row> predicted = model.transform(dev).collectAsList();
        long correct = predicted.stream().filter(r -> r.getString(r.fieldIndex("predictedLabel"))
                .equals(r.getString(r.fieldIndex("label")))).count();
        System.out.printf("transform: %d dev rows, accuracy %.4f%n", predicted.size(),
                (double) correct / predicted.size());

        model.write().overwrite().save(args[4] + "/model");
        List<Row> reloaded = CompressorModel.load(args[4] + "/model").transform(dev).collectAsList();
        for (int i = 0; i < predicted.size(); i++) {
            Vector a = predicted.get(i).getAs("probability");
            Vector b = reloaded.get(i).getAs("probability");
            if (!a.equals(b)) {
                System.err.println("row " + i + ": the reloaded model predicts " + b + ", the fitted one " + a);
                System.exit(1);
            }
        }
        System.out.println("save/load: the reloaded model gives identical probabilities on all "
                + predicted.size() + " rows");
        spark.stop();
    }
}
