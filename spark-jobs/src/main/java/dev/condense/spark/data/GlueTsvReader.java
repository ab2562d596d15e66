package dev.condense.spark.data;

import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.Arrays;
import java.util.List;

/**
 * Reads a GLUE-style TSV (header row, one example per line) with Spark and validates every row on the executors.
 * With {@code bad-rows = fail} the first bad row stops the run, reported as {@code file:line: reason}, before
 * any training starts; with {@code skip} bad rows are dropped and counted.
 */
public final class GlueTsvReader {

    private final CondenseSettings.Data settings;

    public GlueTsvReader(CondenseSettings.Data settings) {
        this.settings = settings;
    }

    /** The valid rows (cached) and how many bad rows were skipped. */
    public record Result(JavaRDD<LabeledText> rows, long count, long skipped) {
    }

    public Result read(JavaSparkContext sc, String path) {
        Configuration conf = sc.hadoopConfiguration();
        String header = HadoopFiles.firstLine(conf, path);
        if (header == null) {
            throw new DataException(path + ": the file is empty (expected a header row)");
        }
        TsvRowParser parser = parser(path, header.endsWith("\r") ? header.substring(0, header.length() - 1)
                : header);

        JavaRDD<Tuple2<TsvRowParser.Parsed, Long>> parsed = sc
                .newAPIHadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class, conf)
                .map(t -> t._2().copyBytes())
                .zipWithIndex()
                .filter(t -> t._2() > 0)
                .map(t -> new Tuple2<>(parser.parse(t._1(), t._2() + 1), t._2() + 1))
                .persist(StorageLevel.MEMORY_ONLY());
        RowErrors errors = parsed.treeAggregate(new RowErrors(), (acc, t) -> acc.add(t._1(), t._2()),
                RowErrors::merge);
        if (errors.bad > 0 && settings.badRows() == CondenseSettings.BadRows.FAIL) {
            parsed.unpersist();
            throw new DataException(path + ":" + errors.firstLine + ": " + errors.firstReason
                    + (errors.bad > 1 ? " (" + errors.bad + " bad rows in all)" : "")
                    + "; set condense.data.bad-rows = skip to drop bad rows");
        }
        if (errors.valid == 0) {
            parsed.unpersist();
            throw new DataException(path + ": no valid data rows");
        }
        if (errors.bad > 0) {
            System.out.printf("skipped %d bad rows of %s (first: line %d: %s)%n", errors.bad, path,
                    errors.firstLine, errors.firstReason);
        }
        JavaRDD<LabeledText> rows = parsed.filter(t -> t._1().error() == null).map(t -> t._1().row());
        return new Result(rows, errors.valid, errors.bad);
    }

    private TsvRowParser parser(String path, String header) {
        String[] columns = header.split("\t", -1);
        int text = column(path, columns, settings.textColumn(), "data.text-column");
        int pair = settings.isPairTask() ? column(path, columns, settings.textPairColumn(), "data.text-pair-column")
                : -1;
        int label = column(path, columns, settings.labelColumn(), "data.label-column");
        return new TsvRowParser(columns, text, pair, label, settings.labels());
    }

    private static int column(String path, String[] columns, String name, String key) {
        int i = List.of(columns).indexOf(name);
        if (i < 0) {
            throw new DataException(path + ":1: the header has no column '" + name + "' (condense." + key
                    + "); columns are " + Arrays.toString(columns));
        }
        return i;
    }
}
