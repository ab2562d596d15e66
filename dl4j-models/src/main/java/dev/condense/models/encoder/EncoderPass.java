package dev.condense.models.encoder;

import dev.condense.models.nn.LayerNorm;
import dev.condense.models.state.ParameterNames;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * {@link TransformerEncoder}'s forward pass: the public outputs, and what its backward pass reads (the input layer's
 * and the embeddings' norm's results, the pooling matrix, and for a differentiable pass every layer's activations).
 */
public final class EncoderPass implements ForwardPass {

    /**
     * What a differentiable pass keeps for its backward pass beyond the hidden states: each layer's activations, the
     * dropout masks outside the layers (null where none was drawn) and the classifier's input as it was dropped.
     */
    record Activations(List<EncoderLayer.Cache> caches, INDArray embeddingDropout, INDArray headInput,
                       INDArray headDropout) {
    }

    private final Batch batch;
    private final INDArray logits;
    private final List<INDArray> hidden;
    private final INDArray pooled;
    private final INDArray pooling;
    private final InputLayer.Pass inputs;
    private final LayerNorm.Result embNorm;
    /** Null for a pass from {@link TransformerEncoder#infer}. */
    private final Activations activations;

    EncoderPass(Batch batch, INDArray logits, List<INDArray> hidden, INDArray pooled, INDArray pooling,
                InputLayer.Pass inputs, LayerNorm.Result embNorm, Activations activations) {
        this.batch = batch;
        this.logits = logits;
        this.hidden = hidden;
        this.pooled = pooled;
        this.pooling = pooling;
        this.inputs = inputs;
        this.embNorm = embNorm;
        this.activations = activations;
    }

    @Override
    public Batch batch() {
        return batch;
    }

    @Override
    public INDArray logits() {
        return logits;
    }

    @Override
    public List<INDArray> hiddenStates() {
        return hidden;
    }

    @Override
    public INDArray pooled() {
        return pooled;
    }

    INDArray pooling() {
        return pooling;
    }

    InputLayer.Pass inputs() {
        return inputs;
    }

    LayerNorm.Result embNorm() {
        return embNorm;
    }

    /** Null for a pass that cannot be differentiated. */
    Activations activations() {
        return activations;
    }

    @Override
    public INDArray linearInput(String weight) {
        if (activations == null) {
            return null;
        }
        List<EncoderLayer.Cache> caches = activations.caches();
        for (int l = 0; l < caches.size(); l++) {
            EncoderLayer.Cache c = caches.get(l);
            if (weight.equals(ParameterNames.query(l, "weight")) || weight.equals(ParameterNames.key(l, "weight"))
                    || weight.equals(ParameterNames.value(l, "weight"))) {
                return c.input();
            }
            if (weight.equals(ParameterNames.attentionOutput(l, "weight"))) {
                return c.context();
            }
            if (weight.equals(ParameterNames.ffnIn(l, "weight"))) {
                return c.norm1().output();
            }
            if (weight.equals(ParameterNames.ffnOut(l, "weight"))) {
                return c.ffnAct() == null ? null : c.ffnAct().output();
            }
        }
        return null;
    }
}
