"""
PySpark wrappers for Condense's notebook API: ``Compressor`` (a Spark ML estimator) and ``CompressorModel``.

Thin by design: every param, default and check lives in the JVM classes ``dev.condense.spark.ml.Compressor`` and
``dev.condense.spark.ml.CompressorModel``; these classes only forward to them. The Condense jar must be on the
driver's and executors' class path (``spark-submit --jars``, or a cluster library on Databricks), and this module
importable, e.g. ``spark.sparkContext.addPyFile(<the jar>)`` (the jar carries this package at its root).

    from condense.ml import Compressor, CompressorModel
    model = Compressor(textCol="sentence", labelCol="label", validationIndicatorCol="is_dev",
                       outputDir="dbfs:/condense/runs", runId="sst2-2026-11-23").fit(df)
    model.transform(df).select("sentence", "predictedLabel", "probability").show()
    model.write().overwrite().save("dbfs:/condense/models/sst2")
    same = CompressorModel.load("dbfs:/condense/models/sst2")
    same.getTextCol(), Compressor().setPruneRounds(8).getPruneRounds()   # every param has setX and getX
"""

from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.util import JavaMLReadable, JavaMLReader, JavaMLWritable
from pyspark.ml.wrapper import JavaEstimator, JavaModel

__all__ = ["Compressor", "CompressorModel"]

_JVM_PACKAGE = "dev.condense.spark.ml"


def _param(name, doc, converter):
    return Param(Params._dummy(), name, doc, typeConverter=converter)


def _with_accessors(cls):
    """Adds ``setX(value)`` and ``getX()`` for every param ``x`` of ``cls``, as pyspark.ml's own stages have them."""
    for name, value in list(vars(cls).items()):
        if isinstance(value, Param):
            suffix = name[0].upper() + name[1:]
            setattr(cls, "set" + suffix, _setter(name))
            setattr(cls, "get" + suffix, _getter(name))
    return cls


def _setter(name):
    def set_value(self, value):
        return self._set(**{name: value})
    set_value.__name__ = "set" + name[0].upper() + name[1:]
    set_value.__doc__ = "Sets the value of :py:attr:`%s`; returns this stage." % name
    return set_value


def _getter(name):
    def get_value(self):
        return self.getOrDefault(getattr(self, name))
    get_value.__name__ = "get" + name[0].upper() + name[1:]
    get_value.__doc__ = "The value of :py:attr:`%s`, set or default." % name
    return get_value


class _CondenseReader(JavaMLReader):
    """Loads a saved stage through the JVM class of the same name in Condense's package, not pyspark's."""

    @classmethod
    def _java_loader_class(cls, clazz):
        return _JVM_PACKAGE + "." + clazz.__name__


class _CondenseReadable(JavaMLReadable):
    @classmethod
    def read(cls):
        return _CondenseReader(cls)


@_with_accessors
class Compressor(JavaEstimator, _CondenseReadable, JavaMLWritable):
    """Fine-tunes a teacher on a DataFrame's text and labels and prunes a distilled student (JVM: Compressor)."""

    textCol = _param("textCol", "the text column", TypeConverters.toString)
    textPairCol = _param("textPairCol", "the second text column of sentence-pair tasks", TypeConverters.toString)
    labelCol = _param("labelCol", "the label column: strings, or numbers such as 0.0 and 1.0",
                      TypeConverters.toString)
    labels = _param("labels", "the label names in class-index order", TypeConverters.toListString)
    validationIndicatorCol = _param("validationIndicatorCol", "a boolean column, true for the dev rows",
                                    TypeConverters.toString)
    stages = _param("stages", "the pipeline stages, in order, from finetune, prune, shrink, factorise, export",
                    TypeConverters.toListString)
    pretrained = _param("pretrained", "minilm or the path of a saved Condense model", TypeConverters.toString)
    pruneMethod = _param("pruneMethod", "how structures are ranked", TypeConverters.toString)
    finetuneRounds = _param("finetuneRounds", "averaging rounds of the teacher's training", TypeConverters.toInt)
    pruneRounds = _param("pruneRounds", "averaging rounds of the student's training", TypeConverters.toInt)
    learningRate = _param("learningRate", "the teacher's peak learning rate", TypeConverters.toFloat)
    maxLength = _param("maxLength", "word pieces per example", TypeConverters.toInt)
    partitions = _param("partitions", "training shards, one replica each", TypeConverters.toInt)
    runId = _param("runId", "names the run's directory; a rerun with the same id resumes", TypeConverters.toString)
    outputDir = _param("outputDir", "where runs are written: any Hadoop URI", TypeConverters.toString)
    settings = _param("settings", "HOCON for any other Condense setting", TypeConverters.toString)

    @keyword_only
    def __init__(self, *, textCol=None, textPairCol=None, labelCol=None, labels=None,
                 validationIndicatorCol=None, stages=None, pretrained=None, pruneMethod=None,
                 finetuneRounds=None, pruneRounds=None, learningRate=None, maxLength=None, partitions=None,
                 runId=None, outputDir=None, settings=None):
        super().__init__()
        self._java_obj = self._new_java_obj(_JVM_PACKAGE + ".Compressor", self.uid)
        self._transfer_params_from_java()  # the defaults come from reference.conf, through the JVM
        self._set(**self._input_kwargs)

    def _create_model(self, java_model):
        return CompressorModel(java_model)

    @classmethod
    def _from_java(cls, java_stage):
        stage = cls()
        stage._java_obj = java_stage
        stage._resetUid(java_stage.uid())
        stage._transfer_params_from_java()
        return stage


@_with_accessors
class CompressorModel(JavaModel, _CondenseReadable, JavaMLWritable):
    """Adds prediction, probability and predictedLabel columns (JVM: CompressorModel)."""

    textCol = _param("textCol", "the text column", TypeConverters.toString)
    textPairCol = _param("textPairCol", "the second text column of sentence-pair tasks", TypeConverters.toString)
    predictionCol = _param("predictionCol", "output: the class index", TypeConverters.toString)
    probabilityCol = _param("probabilityCol", "output: the class probabilities", TypeConverters.toString)
    predictedLabelCol = _param("predictedLabelCol", "output: the predicted label's name", TypeConverters.toString)
    batchSize = _param("batchSize", "rows per forward pass on an executor", TypeConverters.toInt)
    threadsPerTask = _param("threadsPerTask", "ND4J threads per task", TypeConverters.toInt)

    def __init__(self, java_model=None):
        super().__init__(java_model)
        if java_model is not None:
            self._transfer_params_from_java()

    @property
    def labels(self):
        """The label names in class-index order: prediction indexes this list."""
        return list(self._java_obj.labels())

    @property
    def metrics(self):
        """The fit's dev metrics: accuracy of each stage that ran, sparsity of the student."""
        return {k: float(v) for k, v in dict(self._java_obj.metrics()).items()}

    @property
    def provenance(self):
        """What made the model, as JSON: its stage, parent models with their SHA-256, data digest, seed, settings."""
        return str(self._java_obj.provenance())

    @classmethod
    def _from_java(cls, java_stage):
        return cls(java_stage)
