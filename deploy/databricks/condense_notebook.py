# Databricks notebook source
# MAGIC %md
# MAGIC # Condense: compress a text classifier where the data lives
# MAGIC
# MAGIC Fine-tunes the all-MiniLM-L6-v2 teacher on a labelled text table, prunes a distilled student from it on this
# MAGIC cluster's executors, adds predictions to a DataFrame and saves the model to DBFS. The same steps are shown in
# MAGIC Python and in Scala; run either.
# MAGIC
# MAGIC **Cluster set-up** (once): attach the Condense jar as a cluster library
# MAGIC (`mvn -Pdist -DskipTests package`, or `-Pcuda,dist` for GPU nodes, gives
# MAGIC `spark-jobs/target/condense-0.1.0-SNAPSHOT-dist.jar`), use a Spark 3.5 / Scala 2.12 runtime (14.3 LTS) with
# MAGIC `JNAME=zulu17-ca-amd64` in the cluster's environment variables, and put the `spark_conf` of
# MAGIC `deploy/databricks/condense-job.json` in the cluster's Spark config (Kryo with Condense's registrator and room
# MAGIC for model-sized results; GPU nodes also take its two `gpu.amount` settings).

# COMMAND ----------

# MAGIC %md ## 1. Where the data, the runs and the model go

# COMMAND ----------

dbutils.widgets.text("table", "", "Table with text and labels (empty: read the TSV below)")
dbutils.widgets.text("tsv", "dbfs:/condense/data/sst2/train.tsv", "GLUE-style TSV with a header row")
dbutils.widgets.text("runs", "dbfs:/condense/runs", "Run directory (checkpoints; a rerun resumes)")
dbutils.widgets.text("run_id", "sst2-notebook", "Run id")
dbutils.widgets.text("jar", "dbfs:/condense/jars/condense-0.1.0-SNAPSHOT-dist.jar", "The Condense jar")
dbutils.widgets.text("model_path", "dbfs:/condense/models/sst2", "Where the compressed model is saved")

table = dbutils.widgets.get("table")
if table:
    df = spark.table(table)
else:
    df = (spark.read.option("header", True).option("sep", "\t").option("quote", "")
          .csv(dbutils.widgets.get("tsv")))
# One row in ten is the dev set the stages report accuracy on; a seeded hash keeps the split stable across reruns.
from pyspark.sql import functions as F
df = df.withColumn("is_dev", F.abs(F.xxhash64("sentence")) % 10 == 0)
display(df.groupBy("label", "is_dev").count())

# COMMAND ----------

# MAGIC %md ## 2. Compress (Python)

# COMMAND ----------

# The wrapper travels inside the jar (condense/ml.py at its root): adding the jar as a Python file makes it
# importable. Use the DBFS path the cluster library was installed from.
spark.sparkContext.addPyFile(dbutils.widgets.get("jar"))

from condense.ml import Compressor, CompressorModel

compressor = Compressor(
    textCol="sentence",
    labelCol="label",
    labels=["0", "1"],
    validationIndicatorCol="is_dev",
    stages=["finetune", "prune", "shrink"],
    pruneMethod="taylor",
    finetuneRounds=10,
    pruneRounds=8,
    outputDir=dbutils.widgets.get("runs"),
    runId=dbutils.widgets.get("run_id"),
    settings="""
      data.train-limit = 12800
      prune {
        groups = [
          { kinds = [], granularity = head, sparsity = 0.5, global = true }
          { kinds = [], granularity = neuron, sparsity = 0.5, global = true }
        ]
        schedule { kind = agp, start-step = 25, end-step = 100 }
      }
    """)
model = compressor.fit(df)
print(model.metrics)

# COMMAND ----------

predictions = model.transform(df.filter("is_dev"))
display(predictions.select("sentence", "label", "predictedLabel", "probability"))

from pyspark.ml.evaluation import MulticlassClassificationEvaluator
scored = predictions.withColumn("label_index", F.col("label").cast("double"))
accuracy = MulticlassClassificationEvaluator(labelCol="label_index", predictionCol="prediction",
                                             metricName="accuracy").evaluate(scored)
print(f"dev accuracy of the compressed model: {accuracy:.4f}")

model.write().overwrite().save(dbutils.widgets.get("model_path"))
reloaded = CompressorModel.load(dbutils.widgets.get("model_path"))

# COMMAND ----------

# MAGIC %md ## 3. The same in Scala

# COMMAND ----------

# MAGIC %scala
# MAGIC import dev.condense.spark.ml.{Compressor, CompressorModel}
# MAGIC import org.apache.spark.sql.functions._
# MAGIC
# MAGIC val table = dbutils.widgets.get("table")
# MAGIC val raw =
# MAGIC   if (table.nonEmpty) spark.table(table)
# MAGIC   else spark.read.option("header", "true").option("sep", "\t").option("quote", "").csv(dbutils.widgets.get("tsv"))
# MAGIC val df = raw.withColumn("is_dev", abs(xxhash64(col("sentence"))) % 10 === 0)
# MAGIC
# MAGIC val model = new Compressor()
# MAGIC   .setTextCol("sentence")
# MAGIC   .setLabelCol("label")
# MAGIC   .setLabels("0", "1")
# MAGIC   .setValidationIndicatorCol("is_dev")
# MAGIC   .setPruneMethod("taylor")
# MAGIC   .setOutputDir(dbutils.widgets.get("runs"))
# MAGIC   .setRunId(dbutils.widgets.get("run_id") + "-scala") // other settings: another run (resuming refuses a mix)
# MAGIC   .setSettings("""prune.groups = [{ kinds = [], granularity = head, sparsity = 0.5 }]""")
# MAGIC   .fit(df)
# MAGIC println(model.metrics)
# MAGIC display(model.transform(df.filter(col("is_dev"))).select("sentence", "label", "predictedLabel"))
# MAGIC model.write.overwrite().save(dbutils.widgets.get("model_path") + "-scala")
# MAGIC val reloaded = CompressorModel.load(dbutils.widgets.get("model_path") + "-scala")
