package dev.condense.spark.ml;

import dev.condense.models.eval.Predictor;
import dev.condense.models.export.OnnxRuntimeModel;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import dev.condense.spark.task.NativeThreads;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.TaskCompletionListener;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The executor side of {@link CompressorModel#transform}, a function of a Dataset's partitions (so streaming
 * DataFrames are scored as well as static ones): each input row plus its predicted class index, class
 * probabilities and label name. Rows are scored in chunks, so a partition never has to fit in memory; a row whose
 * text is null gets null outputs.
 */
final class TextPredictions implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;
    /** Rows scored together: enough for length-sorted batches to pad little. */
    private static final int CHUNK_BATCHES = 16;

    /** The model as an ONNX graph ({@link dev.condense.models.export.OnnxExport}): scored in ONNX Runtime. */
    private final Broadcast<byte[]> graph;
    private final int textIndex;
    private final int pairIndex;
    private final int maxLength;
    private final List<String> labels;
    private final int batchSize;
    private final int threadsPerTask;

    /** {@code pairIndex} is -1 for single-sentence tasks. */
    TextPredictions(Broadcast<byte[]> graph, int textIndex, int pairIndex, int maxLength, List<String> labels,
                    int batchSize, int threadsPerTask) {
        this.graph = graph;
        this.textIndex = textIndex;
        this.pairIndex = pairIndex;
        this.maxLength = maxLength;
        this.labels = List.copyOf(labels);
        this.batchSize = batchSize;
        this.threadsPerTask = threadsPerTask;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) throws IOException {
        if (!rows.hasNext()) {
            return rows;
        }
        NativeThreads.limit(threadsPerTask);
        WordPieceTokenizer tokenizer = MiniLm.tokenizer();
        OnnxRuntimeModel runtime = new OnnxRuntimeModel(graph.value(), threadsPerTask);
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) context -> runtime.close());
        }
        Predictor predictor = new Predictor(runtime, batchSize);
        return new Iterator<>() {
            private Iterator<Row> chunk = List.<Row>of().iterator();

            @Override
            public boolean hasNext() {
                return chunk.hasNext() || rows.hasNext();
            }

            @Override
            public Row next() {
                if (!chunk.hasNext()) {
                    if (!rows.hasNext()) {
                        throw new NoSuchElementException();
                    }
                    chunk = score(rows, tokenizer, predictor).iterator();
                }
                return chunk.next();
            }
        };
    }

    private List<Row> score(Iterator<Row> rows, WordPieceTokenizer tokenizer, Predictor predictor) {
        List<Row> inputs = new ArrayList<>();
        List<Encoding> encodings = new ArrayList<>();
        while (rows.hasNext() && inputs.size() < CHUNK_BATCHES * batchSize) {
            Row row = rows.next();
            inputs.add(row);
            String text = row.isNullAt(textIndex) ? null : row.getString(textIndex);
            String pair = pairIndex < 0 || row.isNullAt(pairIndex) ? null : row.getString(pairIndex);
            if (text != null) {
                encodings.add(tokenizer.encodePair(text, pairIndex < 0 ? null : pair == null ? "" : pair,
                        maxLength));
            }
        }
        double[][] probabilities = encodings.isEmpty() ? new double[0][] : predictor.probabilities(encodings);
        List<Row> out = new ArrayList<>(inputs.size());
        int scored = 0;
        for (Row row : inputs) {
            Object[] values = new Object[row.length() + 3];
            for (int i = 0; i < row.length(); i++) {
                values[i] = row.get(i);
            }
            if (!row.isNullAt(textIndex)) {
                double[] p = probabilities[scored++];
                int label = Predictor.argmax(p);
                values[row.length()] = (double) label;
                values[row.length() + 1] = Vectors.dense(p);
                values[row.length() + 2] = labels.get(label);
            }
            out.add(RowFactory.create(values));
        }
        return out;
    }
}
