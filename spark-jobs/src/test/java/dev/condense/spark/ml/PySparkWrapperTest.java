package dev.condense.spark.ml;

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

/**
 * The PySpark wrapper declares exactly the JVM stages' params (PySpark is not installed here, so the wrapper itself
 * is not run; this keeps the two from drifting apart).
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
