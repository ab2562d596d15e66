"""Nightly Condense retraining as an Airflow DAG: fine-tune the teacher, then prune the student, each stage one
`deploy/spark-submit` run against the cluster at SPARK_MASTER.

The run id is the logical date, so a retried task reruns the same run id and resumes from its last checkpoint.
Retries only help with failures a rerun can fix (exit 1, e.g. a lost executor or cluster). Exits 2 (settings),
3 (data) and 4 (divergence) fail the same way again, so they fail the task at once with AirflowFailException, which
Airflow never retries, and the alert says which it was.

Nothing runs when the scheduler parses this file: no file is opened and no process started, so the DAG imports on a
scheduler that has no /opt/condense. deploy/schedule/test_condense_retrain_dag.py checks both, with Airflow stubbed
(no Airflow on the build machine); RetrainDagTest runs it in the build.
"""
import os
import subprocess
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException, AirflowFailException
from airflow.operators.python import PythonOperator

CONDENSE_HOME = os.environ.get("CONDENSE_HOME", "/opt/condense")  # a checkout; spark-submit builds its jar once
SPARK_MASTER = os.environ.get("CONDENSE_SPARK_MASTER", "spark://master:7077")
OUTPUT = "hdfs://namenode:8020/condense/runs"
RUN_ID = "retrain-{{ ds }}"

# Condense's exit codes that a rerun cannot fix (see dev.condense.spark.jobs.Condense)
NOT_RETRYABLE = {2: "bad settings or usage", 3: "bad input data", 4: "training diverged"}


def run_stage(job, config, run_id):
    """Runs one stage; a failure a retry cannot fix fails the task without using up its retries."""
    command = [os.path.join(CONDENSE_HOME, "deploy", "spark-submit"), "--master", SPARK_MASTER,
               "--executor-memory", "5g", "--driver-memory", "6g", "--total-executor-cores", "2",
               "--conf", "spark.task.maxFailures=4",
               "--", job, "--config", os.path.join(CONDENSE_HOME, config),
               f"run.id={run_id}", f"run.output={OUTPUT}"]
    code = subprocess.run(command, cwd=CONDENSE_HOME, check=False).returncode
    if code in NOT_RETRYABLE:
        raise AirflowFailException(f"condense {job} exited with {code} ({NOT_RETRYABLE[code]}): a retry would "
                                   "fail the same way; the reason is the task log's 'condense:' line")
    if code != 0:
        raise AirflowException(f"condense {job} exited with {code}; a retry resumes from its last checkpoint")


def stage(job, config):
    return PythonOperator(
        task_id=job,
        python_callable=run_stage,
        op_kwargs={"job": job, "config": config, "run_id": RUN_ID},
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
