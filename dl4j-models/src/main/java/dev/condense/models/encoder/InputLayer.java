package dev.condense.models.encoder;

import dev.condense.models.state.EncoderSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.Function;

/**
 * What turns a batch's inputs into the encoder's first [batch·length, hidden] rows, before position embeddings and
 * the embedding LayerNorm (which every model shares): word and segment embeddings for text
 * ({@link TokenEmbeddings}), convolutional subsampling of log-mel frames for speech ({@link ConvSubsampling}).
 */
interface InputLayer {

    /** The rows, and whatever the backward pass needs. */
    interface Pass {
        INDArray output();
    }

    Pass forward(Batch batch);

    /**
     * Adds the gradients of this layer's weights, given ∂L/∂output, into the buffers {@code grad} returns (null for
     * a frozen weight).
     */
    void backward(Pass pass, Batch batch, INDArray dOutput, Function<String, INDArray> grad);

    static InputLayer of(EncoderSpec spec, Map<String, INDArray> weights) {
        return spec.isSpeech() ? new ConvSubsampling(weights) : new TokenEmbeddings(weights);
    }
}
