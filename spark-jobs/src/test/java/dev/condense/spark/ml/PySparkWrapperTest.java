package dev.condense.spark.ml;

import dev.condense.spark.PythonCheck;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PySpark wrapper declares exactly the JVM stages' params, each with PySpark's setX and getX. PySpark is not
 * installed here, so the wrapper runs against a stand-in for pyspark; this keeps the two from drifting apart.
 */
class PySparkWrapperTest {

    private static final Pattern PARAM = Pattern.compile("_param\\(\"(\\w+)\"");

    @Test
    void wrapperParamsAreTheJvmParams() throws IOException {
        String python = Files.readString(Path.of("src/main/python/condense/ml.py"));
        int estimator = python.indexOf("class Compressor(");
        int model = python.indexOf("class CompressorModel(");
        assertEquals(names(new Compressor()), declared(python.substring(estimator, model)));
        CompressorModel fitted = new CompressorModel("m", new byte[0], java.util.List.of("a", "b"), 8,
                java.util.Map.of());
        assertEquals(names(fitted), declared(python.substring(model)));
    }

    /** PySpark's setX and getX for every param, run against a stand-in for pyspark (src/test/python). */
    @Test
    void everyWrapperParamHasASetterAndAGetter() throws Exception {
        String out = PythonCheck.run("src/test/python/test_ml_wrapper.py");
        assertTrue(out.contains("every param has setX and getX: 23 checked"), out);
    }

    private static Set<String> names(Params stage) {
        return new TreeSet<>(Arrays.stream(stage.params()).map(Param::name).toList());
    }

    private static Set<String> declared(String pythonClass) {
        Set<String> out = new TreeSet<>();
        Matcher m = PARAM.matcher(pythonClass);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}
