package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.text.Encoding;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Class probabilities for unlabelled encodings, returned in input order. Inputs are batched in length order, so a
 * batch pads only to its own longest example; the probabilities do not depend on how the inputs were batched.
 */
public final class Predictor {

    private final Inference model;
    private final int batchSize;

    public Predictor(Encoder encoder, int batchSize) {
        this(Inference.of(encoder), batchSize);
    }

    /** Predictions from any engine: the training engine, or an exported graph in ONNX Runtime. */
    public Predictor(Inference model, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.model = model;
        this.batchSize = batchSize;
    }

    /** Row i holds the softmax of the logits of {@code encodings.get(i)}. */
    public double[][] probabilities(List<Encoding> encodings) {
        int[] order = IntStream.range(0, encodings.size()).boxed()
                .sorted(Comparator.comparingInt(i -> encodings.get(i).length()))
                .mapToInt(Integer::intValue).toArray();
        double[][] out = new double[encodings.size()][];
        for (int start = 0; start < order.length; start += batchSize) {
            int end = Math.min(order.length, start + batchSize);
            List<Encoding> part = IntStream.range(start, end).mapToObj(k -> encodings.get(order[k])).toList();
            try (MemoryWorkspace ws = StepWorkspace.open("condense-predict-step")) {
                INDArray logits = model.logits(Batch.of(part, null));
                double[][] rows = Transforms.softmax(logits, true).toDoubleMatrix();
                for (int k = start; k < end; k++) {
                    out[order[k]] = rows[k - start];
                }
            }
        }
        return out;
    }

    /** The most probable class of a probability row (the first on ties). */
    public static int argmax(double[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        return best;
    }
}
