package dev.condense.models.encoder;

import dev.condense.models.state.EncoderSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The compute engine's seam. Training, pruning, distillation and low rank work only through this interface:
 * named weights in, outputs and named gradients out. The engine behind it can change (hand-written ND4J kernels
 * today) without touching the code above it.
 */
public interface Encoder {

    EncoderSpec spec();

    /** The live weights by name; optimizers update them in place. */
    Map<String, INDArray> weights();

    /** A pass a backward pass can differentiate, with nothing dropped. */
    ForwardPass forward(Batch batch);

    /**
     * A training pass with dropout. Its masks are a function of {@code seed} alone, so the same seed gives the same
     * network: the step is reproducible, and finite differences of it are the gradient backward returns.
     */
    ForwardPass forward(Batch batch, Dropout dropout, long seed);

    /**
     * A forward pass that will not be differentiated (a teacher's outputs, a prediction): the same outputs as
     * {@link #forward}, from an engine free to keep none of what a backward pass would read.
     */
    default ForwardPass infer(Batch batch) {
        return forward(batch);
    }

    /**
     * The gradient of a loss for every trainable weight.
     *
     * @param dLogits      ∂loss/∂logits, [batch, labels]
     * @param dHiddenExtra extra ∂loss/∂hidden state by hidden-state index (for layer distillation); may be empty
     */
    Map<String, INDArray> backward(ForwardPass pass, INDArray dLogits, Map<Integer, INDArray> dHiddenExtra);
}
