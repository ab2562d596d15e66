package dev.condense.spark.session;

import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SparkSessionsTest {

    @Test
    void roundTensorsAreShippedUncompressedUnlessTheSubmitterSaysOtherwise() {
        SparkConf conf = SparkSessions.conf(SettingsLoader.defaults().spark());
        assertEquals("false", conf.get("spark.broadcast.compress"));
        assertEquals("false", conf.get("spark.shuffle.compress"));
        System.setProperty("spark.shuffle.compress", "true"); // as spark-submit --conf passes it
        try {
            assertEquals("true", SparkSessions.conf(SettingsLoader.defaults().spark()).get("spark.shuffle.compress"));
        } finally {
            System.clearProperty("spark.shuffle.compress");
        }
    }
}
