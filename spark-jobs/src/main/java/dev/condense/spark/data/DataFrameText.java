package dev.condense.spark.data;

import dev.condense.spark.io.DataException;
import dev.condense.spark.settings.CondenseSettings;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

import java.util.Arrays;

/**
 * Labelled text from a DataFrame's columns (a table, a DBFS file read by the notebook), checked like file rows.
 * Labels may be strings or numbers: a whole number, even as a double ({@code 1.0}, as Spark ML stores labels),
 * matches the label {@code "1"}. Bad rows are named by their 1-based position in the DataFrame.
 */
public final class DataFrameText implements TextSource {

    private final Dataset<Row> frame;
    private final String name;
    private final CondenseSettings.Data settings;

    /** Columns, labels and the bad-row policy come from {@code settings}; {@code name} names the frame. */
    public DataFrameText(Dataset<Row> frame, String name, CondenseSettings.Data settings) {
        this.frame = frame;
        this.name = name;
        this.settings = settings;
    }

    @Override
    public void check(JavaSparkContext sc) {
        StructType schema = frame.schema();
        requireColumn(schema, settings.textColumn(), "text", true);
        if (settings.isPairTask()) {
            requireColumn(schema, settings.textPairColumn(), "text pair", true);
        }
        requireColumn(schema, settings.labelColumn(), "label", false);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public LabeledRows read(JavaSparkContext sc) {
        check(sc);
        RowValidator validator = new RowValidator(settings.textColumn(),
                settings.isPairTask() ? settings.textPairColumn() : null, settings.labels());
        Dataset<Row> cells = settings.isPairTask()
                ? frame.select(settings.textColumn(), settings.textPairColumn(), settings.labelColumn())
                : frame.select(settings.textColumn(), settings.labelColumn());
        int labelIndex = settings.isPairTask() ? 2 : 1;
        JavaRDD<Tuple2<ParsedRow, Long>> checked = cells.javaRDD().zipWithIndex().map(t -> {
            Row r = t._1();
            long position = t._2() + 1;
            String pair = labelIndex == 2 ? r.getString(1) : null;
            return new Tuple2<>(validator.check(position, r.getString(0), pair, labelText(r.get(labelIndex))),
                    position);
        });
        String frameName = name;
        return LabeledRows.of(checked, settings.badRows(), name, row -> frameName + " row " + row);
    }

    /** A label cell as the task's label names it: whole numbers without a decimal point. */
    static String labelText(Object cell) {
        if (cell instanceof Double || cell instanceof Float) {
            double d = ((Number) cell).doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d)) {
                return Long.toString((long) d);
            }
        }
        return cell == null ? null : cell.toString();
    }

    private void requireColumn(StructType schema, String column, String role, boolean text) {
        StructField field = Arrays.stream(schema.fields()).filter(f -> f.name().equals(column)).findFirst()
                .orElseThrow(() -> new DataException(name + ": no " + role + " column '" + column + "'; columns are "
                        + Arrays.toString(schema.fieldNames())));
        boolean ok = text ? field.dataType().equals(DataTypes.StringType)
                : field.dataType().equals(DataTypes.StringType) || field.dataType() instanceof NumericType;
        if (!ok) {
            throw new DataException(name + ": " + role + " column '" + column + "' has type "
                    + field.dataType().simpleString() + "; expected " + (text ? "string" : "string or a number"));
        }
    }
}
