package dev.condense.spark.settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The versions of Condense and of the libraries that compute its numbers (Spark, ND4J, Hadoop, ONNX Runtime), as
 * the build wrote them: what {@code condense --version} prints and what a saved model's provenance records.
 */
public final class Versions {

    private static final String FILE = "/dev/condense/spark/versions.properties";
    private static final String[] ORDER = {"condense", "spark", "scala", "nd4j", "hadoop", "onnxruntime"};

    private Versions() {
    }

    /** Name to version, Condense first. */
    public static Map<String, String> all() {
        Properties p = new Properties();
        try (InputStream in = Versions.class.getResourceAsStream(FILE)) {
            if (in == null) {
                throw new IllegalStateException(FILE + " is missing from the classpath: build with Maven");
            }
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE, e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : ORDER) {
            out.put(name, p.getProperty(name, "unknown"));
        }
        return Collections.unmodifiableMap(out);
    }

    public static String condense() {
        return all().get("condense");
    }
}
