package dev.condense.spark.data;

import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where a stage's labelled text comes from: a GLUE-style TSV file ({@link GlueTsvReader}) for {@code spark-submit}
 * runs, or a DataFrame ({@link DataFrameText}) in a notebook. The stages see only {@link LabeledRows}.
 */
public interface TextSource {

    /** Fails with a {@link DataException} naming the source when it cannot be read: a cheap check, no Spark job. */
    void check(JavaSparkContext sc);

    /** The validated rows; bad rows fail the read or are skipped, per {@code condense.data.bad-rows}. */
    LabeledRows read(JavaSparkContext sc);

    /** Names the source in messages and metrics. */
    String name();
}
