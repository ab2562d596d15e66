package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where a stage's labelled examples come from: text ({@link TextSource}: TSV files or a notebook's DataFrame) or
 * audio clips ({@link ClipSource}). The stages see only examples; tokenizing or computing features happens on the
 * executors.
 */
public interface DataSource {

    /** Fails with a {@link DataException} naming the source when it cannot be read: a cheap check, no Spark job. */
    void check(JavaSparkContext sc);

    /** Names the source in messages and metrics. */
    String name();

    /**
     * The examples, each with an id that is stable across runs, not yet sharded or cached.
     *
     * @param limit a seeded random subset of this many examples, or 0 for all of them
     */
    JavaRDD<Example> examples(JavaSparkContext sc, CondenseSettings s, int limit);
}
