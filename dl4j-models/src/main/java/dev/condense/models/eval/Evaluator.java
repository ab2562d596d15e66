package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.speech.Characters;
import dev.condense.models.train.CrossEntropy;
import dev.condense.models.train.CtcLoss;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Iterator;

/** Runs an encoder over labelled or transcribed batches and counts what it gets right. */
public final class Evaluator {

    private Evaluator() {
    }

    public static ClassificationMetrics evaluate(Encoder encoder, Iterator<Batch> batches) {
        return evaluate(Inference.of(encoder), encoder.spec().numLabels(), batches);
    }

    /** Accuracy, loss and confusion counts of any engine's logits. */
    public static ClassificationMetrics evaluate(Inference model, int labels, Iterator<Batch> batches) {
        ClassificationMetrics metrics = new ClassificationMetrics(labels);
        while (batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open("condense-eval-step")) {
                CrossEntropy.Result ce = CrossEntropy.of(model.logits(batch), batch.labels(), 1.0);
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
        return transcribe(Inference.of(encoder), batches);
    }

    /** As {@link #transcribe(Encoder, Iterator)}, from any engine's per-position logits [batch·length, symbols]. */
    public static TranscriptionMetrics transcribe(Inference model, Iterator<Batch> batches) {
        TranscriptionMetrics metrics = TranscriptionMetrics.none();
        while (batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open("condense-eval-step")) {
                INDArray logits = model.logits(batch);
                int[] lengths = batch.lengths();
                int[][] references = batch.frames().transcripts();
                int[][] hypotheses = CtcDecoding.greedy(logits, batch.length(), lengths);
                metrics = metrics.plusLoss(CtcLoss.of(logits, batch.length(), lengths, references, 1.0)
                        .lossSum());
                for (int b = 0; b < batch.size(); b++) {
                    metrics = metrics.plus(Characters.decode(references[b]), Characters.decode(hypotheses[b]));
                }
            }
        }
        return metrics;
    }
}
