package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.speech.Characters;
import dev.condense.models.train.CrossEntropy;
import dev.condense.models.train.CtcLoss;
import org.nd4j.linalg.api.memory.MemoryWorkspace;

import java.util.Iterator;

/** Runs an encoder over labelled or transcribed batches and counts what it gets right. */
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

    /**
     * Transcribes speech batches with a CTC head by greedy decoding and scores the transcripts against the batches'
     * own ({@link Characters} ids).
     */
    public static TranscriptionMetrics transcribe(Encoder encoder, Iterator<Batch> batches) {
        TranscriptionMetrics metrics = TranscriptionMetrics.none();
        while (batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open("condense-eval-step")) {
                ForwardPass pass = encoder.forward(batch);
                int[] lengths = batch.lengths();
                int[][] references = batch.frames().transcripts();
                int[][] hypotheses = CtcDecoding.greedy(pass.logits(), batch.length(), lengths);
                metrics = metrics.plusLoss(CtcLoss.of(pass.logits(), batch.length(), lengths, references, 1.0)
                        .lossSum());
                for (int b = 0; b < batch.size(); b++) {
                    metrics = metrics.plus(Characters.decode(references[b]), Characters.decode(hypotheses[b]));
                }
            }
        }
        return metrics;
    }
}
