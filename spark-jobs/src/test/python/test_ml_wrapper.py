"""
Runs condense/ml.py against a stand-in for pyspark (PySpark is not installed where the build runs): every param of
both stages has PySpark's setX(value) and getX(), setX sets the param through _set and returns the stage for
chaining, and getX reads back what was set. PySparkWrapperTest runs this file; it exits non-zero on a failure.
"""
import os
import sys
import types


def install_stand_in():
    def keyword_only(init):
        def wrapper(self, **kwargs):
            self._input_kwargs = kwargs
            return init(self, **kwargs)
        return wrapper

    class Param:
        def __init__(self, parent, name, doc, typeConverter=None):
            self.name, self.doc = name, doc

    class Params:
        @staticmethod
        def _dummy():
            return None

    class TypeConverters:
        toString = toInt = toFloat = toListString = staticmethod(lambda value: value)

    class Stage:
        uid = "stand-in"

        def __init__(self, java_obj=None):
            self._values = {}

        def _set(self, **kwargs):
            self._values.update(kwargs)
            return self

        def getOrDefault(self, param):
            return self._values[param.name]

        def _new_java_obj(self, *args):
            return None

        def _transfer_params_from_java(self):
            pass

    modules = {name: types.ModuleType(name) for name in
               ("pyspark", "pyspark.ml", "pyspark.ml.param", "pyspark.ml.util", "pyspark.ml.wrapper")}
    modules["pyspark"].keyword_only = keyword_only
    modules["pyspark.ml.param"].Param = Param
    modules["pyspark.ml.param"].Params = Params
    modules["pyspark.ml.param"].TypeConverters = TypeConverters
    modules["pyspark.ml.util"].JavaMLReadable = type("JavaMLReadable", (), {})
    modules["pyspark.ml.util"].JavaMLReader = type("JavaMLReader", (), {})
    modules["pyspark.ml.util"].JavaMLWritable = type("JavaMLWritable", (), {})
    modules["pyspark.ml.wrapper"].JavaEstimator = Stage
    modules["pyspark.ml.wrapper"].JavaModel = Stage
    sys.modules.update(modules)
    return Param


def main():
    param_type = install_stand_in()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "main", "python"))
    from condense.ml import Compressor, CompressorModel

    checked = 0
    for stage in (Compressor(), CompressorModel()):
        params = [name for name, value in vars(type(stage)).items() if isinstance(value, param_type)]
        assert params, type(stage).__name__ + " declares no params"
        for name in params:
            suffix = name[0].upper() + name[1:]
            value = "value of " + name
            returned = getattr(stage, "set" + suffix)(value)
            assert returned is stage, "set%s does not return the stage" % suffix
            assert getattr(stage, "get" + suffix)() == value, "get%s does not read back set%s" % (suffix, suffix)
            checked += 1
    assert Compressor(textCol="sentence").getTextCol() == "sentence"
    print("every param has setX and getX: %d checked" % checked)


if __name__ == "__main__":
    main()
