"""Nightly Condense retraining as an Airflow DAG: fine-tune the teacher, then prune the student, through
SparkSubmitOperator (apache-airflow-providers-apache-spark) against the `spark_default` connection.

The run id is the logical date, so a retried task reruns the same run id and resumes from its last checkpoint.
Retries only help with failures a rerun can fix (exit 1, e.g. a lost cluster); exits 2 (settings), 3 (data) and
4 (divergence) will fail again unchanged, so alerting on them matters more than retrying them.

Not exercised here (no Airflow on the build machine): `python -m py_compile` checks its syntax only. The commands
it runs are the ones deploy/schedule/retrain runs and that are tested.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

CONDENSE_HOME = "/opt/condense"  # a checkout with `mvn -Pdist -DskipTests package` done
JAR = f"{CONDENSE_HOME}/spark-jobs/target/condense-0.1.0-SNAPSHOT-dist.jar"
with open(f"{CONDENSE_HOME}/deploy/jvm-options") as flags:
    JAVA_FLAGS = " ".join(line.strip() for line in flags if line.strip())
RUN_ID = "retrain-{{ ds }}"
OUTPUT = "hdfs://namenode:8020/condense/runs"

SPARK_CONF = {
    "spark.driver.extraJavaOptions": JAVA_FLAGS,
    "spark.executor.extraJavaOptions": JAVA_FLAGS,
    "spark.executorEnv.OMP_NUM_THREADS": "1",
    "spark.executorEnv.OPENBLAS_CORETYPE": "Haswell",
    "spark.task.maxFailures": "4",
}


def stage(job, config):
    return SparkSubmitOperator(
        task_id=job,
        application=JAR,
        java_class="dev.condense.spark.jobs.Condense",
        application_args=[job, "--config", f"{CONDENSE_HOME}/{config}",
                          f"run.id={RUN_ID}", f"run.output={OUTPUT}"],
        conf=SPARK_CONF,
        executor_memory="5g",
        driver_memory="6g",
        total_executor_cores=2,
        retries=2,
        retry_delay=timedelta(minutes=10),
    )


with DAG(
    dag_id="condense_retrain",
    start_date=datetime(2026, 11, 1),
    schedule="15 2 * * *",
    catchup=False,
    max_active_runs=1,
    tags=["condense"],
) as dag:
    stage("finetune", "conf/sst2-finetune.conf") >> stage("prune", "conf/sst2-prune-taylor.conf")
