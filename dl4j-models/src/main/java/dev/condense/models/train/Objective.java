package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.state.EncoderSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The loss a replica minimises, as a function of the student's forward pass: its value, its gradient with respect
 * to the logits and hidden states, and the gradients of any trainable extras it owns. Distillation is one of
 * these; the trainer does not know which.
 */
public interface Objective {

    /**
     * @param extras the replica's trainable extras by name (e.g. the layer map); read-only here
     */
    StepLoss loss(ForwardPass student, Batch batch, Map<String, INDArray> extras);

    /** Plain cross-entropy on the labels, averaged over the batch. */
    static Objective crossEntropy() {
        return (student, batch, extras) -> {
            CrossEntropy.Result ce = CrossEntropy.of(student.logits(), batch.labels(), 1.0 / batch.size());
            return new StepLoss(ce.lossSum(), ce.dLogits(), Map.of(), Map.of(), null);
        };
    }

    /**
     * CTC on each utterance's transcript ({@link Batch.Frames#transcripts()}) over its real positions, averaged over
     * the batch: for a speech encoder with a per-position head.
     */
    static Objective ctc() {
        return (student, batch, extras) -> {
            if (batch.frames() == null) {
                throw new IllegalArgumentException("CTC needs a speech batch with transcripts");
            }
            CtcLoss.Result ctc = CtcLoss.of(student.logits(), batch.length(), batch.lengths(),
                    batch.frames().transcripts(), 1.0 / batch.size());
            return new StepLoss(ctc.lossSum(), ctc.dLogits(), Map.of(), Map.of(), null);
        };
    }

    /** The loss a model's head is trained with on its own: CTC for a per-position head, else cross-entropy. */
    static Objective supervised(EncoderSpec spec) {
        return spec.isSpeech() && spec.speech().ctc() ? ctc() : crossEntropy();
    }

    /**
     * @param lossSum      the loss summed over the batch's examples
     * @param dHidden      extra gradients for hidden states by index
     * @param extraGrads   gradients for the objective's extras
     * @param layerMapping for layer distillation, the student layer matched to each teacher layer; else null
     */
    record StepLoss(double lossSum, INDArray dLogits, Map<Integer, INDArray> dHidden,
                    Map<String, INDArray> extraGrads, int[] layerMapping) {
    }
}
