package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.train.CrossEntropy;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

import java.util.Iterator;

/** Runs an encoder over labelled batches and counts what it gets right. */
public final class Evaluator {

    private Evaluator() {
    }

    public static ClassificationMetrics evaluate(Encoder encoder, Iterator<Batch> batches) {
        ClassificationMetrics metrics = new ClassificationMetrics(encoder.spec().numLabels());
        while (batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open("condense-eval-step")) {
                ForwardPass pass = encoder.forward(batch);
                CrossEntropy.Result ce = CrossEntropy.of(pass.logits(), batch.labels(), 1.0);
                metrics.addLoss(ce.lossSum());
                for (int i = 0; i < batch.size(); i++) {
                    metrics.record(batch.labels()[i], ce.predictions()[i]);
                }
            }
        }
        return metrics;
    }
}
