package dev.condense.spark;

import dev.condense.spark.jobs.SparkSessions;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** A local[2] session configured exactly as the jobs configure theirs (Kryo, registration required). */
public final class SparkTestSession {

    private SparkTestSession() {
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
