package dev.condense.spark.data;

import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaSparkContext;

/** A task's training and dev data. */
public record TaskData(DataSource train, DataSource dev) {

    /** The TSV files or clip folders named by {@code condense.data.train} and {@code dev}, per its format. */
    public static TaskData files(CondenseSettings s) {
        CondenseSettings.Data d = s.data();
        if (d.format().isSpeech()) {
            return new TaskData(new ClipSource(d, d.train()), new ClipSource(d, d.dev()));
        }
        return new TaskData(new GlueTsvReader(d, d.train()), new GlueTsvReader(d, d.dev()));
    }

    /** Both sources are readable: run before any cluster work. */
    public void check(JavaSparkContext sc) {
        train.check(sc);
        dev.check(sc);
    }
}
