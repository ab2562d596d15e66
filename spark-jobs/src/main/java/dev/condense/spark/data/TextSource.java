package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Labelled text: a GLUE-style TSV file ({@link GlueTsvReader}) for {@code spark-submit} runs, or a DataFrame
 * ({@link DataFrameText}) in a notebook. Rows are validated, then tokenized on the executors.
 */
public interface TextSource extends DataSource {

    /** The validated rows; bad rows fail the read or are skipped, per {@code condense.data.bad-rows}. */
    LabeledRows read(JavaSparkContext sc);

    @Override
    default JavaRDD<Example> examples(JavaSparkContext sc, CondenseSettings s, int limit) {
        LabeledRows read = read(sc);
        JavaRDD<LabeledText> rows = read.rows();
        if (limit > 0 && limit < read.count()) {
            rows = ShardedExamples.sample(rows, limit, s.finetune().seed());
        }
        return ShardedExamples.tokenize(rows, s.data().maxLength(),
                Tokenizers.of(sc.hadoopConfiguration(), s.model()));
    }
}
