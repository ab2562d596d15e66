package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.train.CrossEntropy;

import java.util.Iterator;

/** Runs an encoder over labelled batches and counts what it gets right. */
public final class Evaluator {

    private Evaluator() {
    }

    public static ClassificationMetrics evaluate(Encoder encoder, Iterator<Batch> batches) {
        ClassificationMetrics metrics = new ClassificationMetrics(encoder.spec().numLabels());
        while (batches.hasNext()) {
            Batch batch = batches.next();
            ForwardPass pass = encoder.forward(batch);
            CrossEntropy.Result ce = CrossEntropy.of(pass.logits(), batch.labels(), 1.0);
            metrics.addLoss(ce.lossSum());
            for (int i = 0; i < batch.size(); i++) {
                metrics.record(batch.labels()[i], ce.predictions()[i]);
            }
        }
        return metrics;
    }
}
