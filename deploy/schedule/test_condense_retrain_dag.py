"""Checks condense_retrain_dag.py without Airflow: the few Airflow names it uses are stubbed, the DAG is imported
with CONDENSE_HOME pointing at a folder that does not exist (nothing may be read at parse time), and its stage
callable is run against a stand-in spark-submit that exits with each of Condense's codes.

    python3 deploy/schedule/test_condense_retrain_dag.py      (exit 0 when every check holds)
"""
import importlib.util
import os
import sys
import tempfile
import types

HERE = os.path.dirname(os.path.abspath(__file__))


class AirflowException(Exception):
    pass


class AirflowFailException(AirflowException):
    pass


class Operator:
    made = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        Operator.made.append(self)

    def __rshift__(self, other):
        return other


class Dag:
    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def stub_airflow():
    modules = {
        "airflow": types.ModuleType("airflow"),
        "airflow.exceptions": types.ModuleType("airflow.exceptions"),
        "airflow.operators": types.ModuleType("airflow.operators"),
        "airflow.operators.python": types.ModuleType("airflow.operators.python"),
    }
    modules["airflow"].DAG = Dag
    modules["airflow.exceptions"].AirflowException = AirflowException
    modules["airflow.exceptions"].AirflowFailException = AirflowFailException
    modules["airflow.operators.python"].PythonOperator = Operator
    sys.modules.update(modules)


def load_dag(home):
    os.environ["CONDENSE_HOME"] = home
    spec = importlib.util.spec_from_file_location("condense_retrain_dag", os.path.join(HERE,
                                                                                       "condense_retrain_dag.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    stub_airflow()
    load_dag("/nonexistent/condense")  # parse time touches nothing under CONDENSE_HOME
    assert [op.kwargs["task_id"] for op in Operator.made] == ["finetune", "prune"], Operator.made
    assert all(op.kwargs["retries"] > 0 for op in Operator.made)

    with tempfile.TemporaryDirectory() as home:
        os.makedirs(os.path.join(home, "deploy"))
        fake = os.path.join(home, "deploy", "spark-submit")
        with open(fake, "w") as script:
            script.write("#!/bin/sh\nexit \"$(cat \"$(dirname \"$0\")/code\")\"\n")
        os.chmod(fake, 0o755)
        dag = load_dag(home)
        for code, expected in [(0, None), (1, AirflowException), (2, AirflowFailException),
                               (3, AirflowFailException), (4, AirflowFailException), (137, AirflowException)]:
            with open(os.path.join(home, "deploy", "code"), "w") as f:
                f.write(str(code))
            try:
                dag.run_stage("prune", "conf/sst2-prune-taylor.conf", "retrain-2026-12-05")
                raised = None
            except AirflowException as e:
                raised = type(e)
            assert raised is expected, f"exit {code}: raised {raised}, expected {expected}"
    print("condense_retrain_dag: parse-time and exit-code checks passed")


if __name__ == "__main__":
    main()
