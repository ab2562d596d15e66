package dev.condense.models.encoder;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The outputs of one forward pass: the logits and every hidden state (index 0 is the embedding output, index
 * {@code l + 1} the output of layer {@code l}), each [batch·length, hidden]. An engine also keeps here whatever its
 * backward pass needs; callers see only the outputs.
 */
public interface ForwardPass {

    Batch batch();

    /** [batch, labels], or [batch·length, labels] when the model classifies every position (CTC). */
    INDArray logits();

    /** layers + 1 hidden states, [batch·length, hidden] each. */
    List<INDArray> hiddenStates();

    /** The mean over real tokens of the last hidden state, [batch, hidden]: the sentence embedding. */
    INDArray pooled();

    /**
     * The rows an encoder matrix multiplied in this pass, [batch·length, inputs] (padding rows included), or null
     * when {@code weight} is not an encoder layer's matrix.
     */
    INDArray linearInput(String weight);
}
