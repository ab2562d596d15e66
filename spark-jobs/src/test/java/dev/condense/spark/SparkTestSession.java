package dev.condense.spark;

import dev.condense.spark.session.SparkSessions;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** A local[2] session configured exactly as the jobs configure theirs (Kryo, registration required). */
public final class SparkTestSession {

    private SparkTestSession() {
    }

    /**
     * Writes the header and {@code count} real SST-2 training rows starting at data row {@code from} to
     * {@code target}, for tests that need a small real data set.
     */
    public static java.nio.file.Path sst2Rows(java.nio.file.Path target, int from, int count)
            throws java.io.IOException {
        java.util.List<String> lines = java.nio.file.Files.readAllLines(
                java.nio.file.Path.of("../data-samples/sst2/train.tsv"));
        java.util.List<String> out = new java.util.ArrayList<>();
        out.add(lines.get(0));
        out.addAll(lines.subList(1 + from, 1 + from + count));
        return java.nio.file.Files.write(target, out);
    }

    public static JavaSparkContext start() {
        SparkSession spark = SparkSession.builder()
                .config(SparkSessions.conf(SettingsLoader.defaults().spark()))
                .master("local[2]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        return JavaSparkContext.fromSparkContext(spark.sparkContext());
    }
}
