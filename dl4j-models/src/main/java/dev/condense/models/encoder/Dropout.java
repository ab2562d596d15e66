package dev.condense.models.encoder;

import dev.condense.models.nn.DropoutMask;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;

/**
 * Dropout while training, where BERT puts it (Devlin et al., 2019; 0.1 for both in every BERT-family checkpoint):
 * {@code hidden} on the embeddings' output, on each attention and feed-forward block's output before its residual
 * add, and on the classifier's input; {@code attention} on the attention probabilities. Without it a MiniLM
 * teacher trained for two epochs on all of SST-2 fits its training rows (loss near 0.1) and stops at 88.9% dev, where
 * a PyTorch run of the same model with BERT's dropout reached 89.56% (docs/BENCHMARKS.md).
 *
 * <p>Only training passes drop anything ({@link Encoder#forward(Batch, Dropout, long)}); inference never does.
 */
public record Dropout(double hidden, double attention) implements Serializable {

    public static final Dropout NONE = new Dropout(0, 0);

    /** The classifier's input; the embeddings' output is {@link Sites#EMBEDDINGS}, the layers' follow. */
    enum Sites {
        EMBEDDINGS, CLASSIFIER;

        /** Sites per layer: attention probabilities, attention output, feed-forward output. */
        static final int PER_LAYER = 3;

        static int attentionProbabilities(int layer) {
            return values().length + PER_LAYER * layer;
        }

        static int attentionOutput(int layer) {
            return attentionProbabilities(layer) + 1;
        }

        static int feedForwardOutput(int layer) {
            return attentionProbabilities(layer) + 2;
        }
    }

    public Dropout {
        if (!(hidden >= 0 && hidden < 1) || !(attention >= 0 && attention < 1)) {
            throw new IllegalArgumentException("dropout rates must lie in [0, 1), got hidden " + hidden
                    + ", attention " + attention);
        }
    }

    public boolean isOff() {
        return hidden == 0 && attention == 0;
    }

    /** The masks of one pass, all drawn from {@code seed}. */
    Masks masks(long seed, DataType dtype) {
        return new Masks(this, seed, dtype);
    }

    /**
     * One pass's masks: each a pure function of the pass's seed, its site and its shape (see {@link DropoutMask}),
     * null where the rate is 0.
     */
    record Masks(Dropout rates, long seed, DataType dtype) {
        static final Masks NONE = new Masks(Dropout.NONE, 0, DataType.FLOAT);

        INDArray hidden(int site, long... shape) {
            return DropoutMask.draw(DropoutMask.derive(seed, site), rates.hidden(), dtype, shape);
        }

        INDArray attention(int site, long... shape) {
            return DropoutMask.draw(DropoutMask.derive(seed, site), rates.attention(), dtype, shape);
        }
    }
}
