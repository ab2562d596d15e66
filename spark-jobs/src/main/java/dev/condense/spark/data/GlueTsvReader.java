package dev.condense.spark.data;

import dev.condense.spark.io.DataException;
import dev.condense.spark.io.HadoopFiles;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

import java.util.Arrays;
import java.util.List;

/**
 * A GLUE-style TSV (header row, one example per line) read with Spark through the Hadoop FileSystem API, every
 * row validated on the executors. Bad rows are reported as {@code file:line: reason}.
 */
public final class GlueTsvReader implements TextSource {

    private final CondenseSettings.Data settings;
    private final String path;

    public GlueTsvReader(CondenseSettings.Data settings, String path) {
        this.settings = settings;
        this.path = path;
    }

    @Override
    public void check(JavaSparkContext sc) {
        HadoopFiles.requireFile(sc.hadoopConfiguration(), path);
    }

    @Override
    public String name() {
        return path;
    }

    @Override
    public LabeledRows read(JavaSparkContext sc) {
        Configuration conf = sc.hadoopConfiguration();
        String header = HadoopFiles.firstLine(conf, path);
        if (header == null) {
            throw new DataException(path + ": the file is empty (expected a header row)");
        }
        TsvRowParser parser = parser(cleanHeader(header));
        JavaRDD<Tuple2<ParsedRow, Long>> checked = sc
                .newAPIHadoopFile(path, TextInputFormat.class, LongWritable.class, Text.class, conf)
                .map(t -> t._2().copyBytes())
                .zipWithIndex()
                .filter(t -> t._2() > 0)
                .map(t -> new Tuple2<>(parser.parse(t._1(), t._2() + 1), t._2() + 1));
        String file = path;
        return LabeledRows.of(checked, settings.badRows(), path, line -> file + ":" + line);
    }

    /**
     * The header without a UTF-8 byte-order mark (spreadsheet exports write one) or a trailing carriage return;
     * a header that is not text at all (a compressed file without its {@code .gz} name, a binary file) is refused
     * without printing it.
     */
    private String cleanHeader(String header) {
        String h = header.startsWith("\uFEFF") ? header.substring(1) : header;
        h = h.endsWith("\r") ? h.substring(0, h.length() - 1) : h;
        if (h.chars().anyMatch(c -> c == '\uFFFD' || (c < 0x20 && c != '\t'))) {
            throw new DataException(path + ":1: not UTF-8 text (binary or compressed content; a compressed TSV "
                    + "must be named for its codec, such as train.tsv.gz)");
        }
        return h;
    }

    private TsvRowParser parser(String header) {
        String[] columns = header.split("\t", -1);
        int text = column(columns, settings.textColumn(), "data.text-column");
        int pair = settings.isPairTask() ? column(columns, settings.textPairColumn(), "data.text-pair-column") : -1;
        int label = column(columns, settings.labelColumn(), "data.label-column");
        return new TsvRowParser(columns.length, text, pair, label, new RowValidator(settings.textColumn(),
                settings.isPairTask() ? settings.textPairColumn() : null, settings.labels()));
    }

    private int column(String[] columns, String name, String key) {
        int i = List.of(columns).indexOf(name);
        if (i < 0) {
            throw new DataException(path + ":1: the header has no column '" + name + "' (condense." + key
                    + "); columns are " + Arrays.toString(columns));
        }
        return i;
    }
}
