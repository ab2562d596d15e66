package dev.condense.spark.data;

import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.function.LongFunction;

/**
 * The valid rows of a labelled text source, how many there are and how many bad rows were skipped. Rows are checked
 * on the executors; with {@code bad-rows = fail} the first bad row (by position) stops the run before any training,
 * named by its position in the source.
 */
public record LabeledRows(JavaRDD<LabeledText> rows, long count, long skipped) {

    /**
     * @param checked  every row with its 1-based position (the line of a file, the row of a DataFrame)
     * @param position names a position in messages, e.g. {@code train.tsv:17}
     */
    static LabeledRows of(JavaRDD<Tuple2<ParsedRow, Long>> checked, CondenseSettings.BadRows policy, String source,
                          LongFunction<String> position) {
        JavaRDD<Tuple2<ParsedRow, Long>> parsed = checked.persist(StorageLevel.MEMORY_ONLY());
        RowErrors errors = parsed.treeAggregate(new RowErrors(), (acc, t) -> acc.add(t._1(), t._2()),
                RowErrors::merge);
        if (errors.bad > 0 && policy == CondenseSettings.BadRows.FAIL) {
            parsed.unpersist();
            throw new DataException(position.apply(errors.firstLine) + ": " + errors.firstReason
                    + (errors.bad > 1 ? " (" + errors.bad + " bad rows in all)" : "")
                    + "; set condense.data.bad-rows = skip to drop bad rows");
        }
        if (errors.valid == 0) {
            parsed.unpersist();
            throw new DataException(source + ": no valid data rows");
        }
        if (errors.bad > 0) {
            System.out.printf("skipped %d bad rows of %s (first: %s: %s)%n", errors.bad, source,
                    position.apply(errors.firstLine), errors.firstReason);
        }
        return new LabeledRows(parsed.filter(t -> t._1().error() == null).map(t -> t._1().row()), errors.valid,
                errors.bad);
    }
}
