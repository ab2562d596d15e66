package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model that only predicts: the logits of a batch, [batch, labels] (or [batch·length, symbols] for CTC), from
 * whichever engine runs it — the training engine, or an exported graph in ONNX Runtime.
 */
@FunctionalInterface
public interface Inference {

    INDArray logits(Batch batch);

    /** The training engine's forward pass, used for prediction only. */
    static Inference of(Encoder encoder) {
        return batch -> encoder.infer(batch).logits();
    }
}
