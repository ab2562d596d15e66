package dev.condense.spark.data;

import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaSparkContext;

/** A task's training and dev text. */
public record TextData(TextSource train, TextSource dev) {

    /** The TSV files named by {@code condense.data.train} and {@code condense.data.dev}. */
    public static TextData files(CondenseSettings s) {
        return new TextData(new GlueTsvReader(s.data(), s.data().train()), new GlueTsvReader(s.data(), s.data().dev()));
    }

    /** Both sources are readable: run before any cluster work. */
    public void check(JavaSparkContext sc) {
        train.check(sc);
        dev.check(sc);
    }
}
