package dev.condense.models.encoder;

import dev.condense.models.nn.Embedding;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.function.Function;

import static dev.condense.models.state.ParameterNames.TYPE_EMBEDDINGS;
import static dev.condense.models.state.ParameterNames.WORD_EMBEDDINGS;

/** A text model's input: the word-piece embedding plus the segment embedding of every position. */
final class TokenEmbeddings implements InputLayer {

    private final Map<String, INDArray> weights;

    TokenEmbeddings(Map<String, INDArray> weights) {
        this.weights = weights;
    }

    private record Rows(INDArray output) implements Pass {
    }

    @Override
    public Pass forward(Batch batch) {
        return new Rows(Embedding.lookup(weights.get(WORD_EMBEDDINGS), batch.ids())
                .addi(Embedding.lookup(weights.get(TYPE_EMBEDDINGS), batch.typeIds())));
    }

    @Override
    public void backward(Pass pass, Batch batch, INDArray dOutput, Function<String, INDArray> grad) {
        INDArray dWord = grad.apply(WORD_EMBEDDINGS);
        if (dWord != null) {
            Embedding.scatterAdd(dWord, batch.ids(), dOutput);
        }
        INDArray dType = grad.apply(TYPE_EMBEDDINGS);
        if (dType != null) {
            Embedding.scatterAdd(dType, batch.typeIds(), dOutput);
        }
    }
}
