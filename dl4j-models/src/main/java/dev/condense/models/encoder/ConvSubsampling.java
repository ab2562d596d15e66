package dev.condense.models.encoder;

import dev.condense.models.nn.Gelu;
import dev.condense.models.nn.StridedConv;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.function.Function;

import static dev.condense.models.state.ParameterNames.CONV1_BIAS;
import static dev.condense.models.state.ParameterNames.CONV1_WEIGHT;
import static dev.condense.models.state.ParameterNames.CONV2_BIAS;
import static dev.condense.models.state.ParameterNames.CONV2_WEIGHT;

/**
 * A speech model's input: two stride-2 convolutions over time, each followed by GELU, so four log-mel frames become
 * one position (HuBERT's convolutional feature encoder, on filterbanks rather than the raw wave).
 *
 * <p>An utterance's output must not depend on what it is batched with. The first convolution's outputs past an
 * utterance's own ⌈frames/2⌉ are therefore zeroed before the second convolution reads them, exactly as the zero
 * padding of that utterance alone would be; the second convolution's padded positions are masked by attention and
 * pooling like text padding.
 */
final class ConvSubsampling implements InputLayer {

    private final Map<String, INDArray> weights;

    ConvSubsampling(Map<String, INDArray> weights) {
        this.weights = weights;
    }

    private record Convolved(StridedConv.Result conv1, Gelu.Result act1, INDArray mask1, StridedConv.Result conv2,
                             Gelu.Result act2) implements Pass {
        @Override
        public INDArray output() {
            return act2.output();
        }
    }

    @Override
    public Pass forward(Batch batch) {
        Batch.Frames frames = batch.frames();
        if (frames == null) {
            throw new IllegalArgumentException("a speech model needs a batch of utterances, not of word pieces");
        }
        INDArray w1 = weights.get(CONV1_WEIGHT);
        if (frames.features() * 3L != w1.size(0)) {
            throw new IllegalArgumentException("the model takes " + w1.size(0) / 3
                    + " features per frame, the batch has " + frames.features());
        }
        int b = batch.size();
        int half = 2 * batch.length();
        INDArray x = Nd4j.create(frames.values(), new long[] {b, Batch.framesPerRow(batch.length()),
                frames.features()}, 'c').castTo(w1.dataType());
        StridedConv.Result conv1 = StridedConv.forward(x, w1, weights.get(CONV1_BIAS));
        Gelu.Result act1 = Gelu.forward(conv1.output());
        INDArray mask1 = firstMask(frames.counts(), half).castTo(w1.dataType());
        act1.output().muliColumnVector(mask1);
        StridedConv.Result conv2 = StridedConv.forward(act1.output().reshape('c', b, half, w1.size(1)),
                weights.get(CONV2_WEIGHT), weights.get(CONV2_BIAS));
        return new Convolved(conv1, act1, mask1, conv2, Gelu.forward(conv2.output()));
    }

    @Override
    public void backward(Pass pass, Batch batch, INDArray dOutput, Function<String, INDArray> grad) {
        Convolved c = (Convolved) pass;
        int b = batch.size();
        int half = 2 * batch.length();
        INDArray dW1 = grad.apply(CONV1_WEIGHT);
        INDArray db1 = grad.apply(CONV1_BIAS);
        boolean firstTrains = dW1 != null || db1 != null;
        INDArray dPre2 = Gelu.backward(c.conv2().output(), c.act2(), dOutput);
        INDArray dAct1 = StridedConv.backward(c.conv2(), weights.get(CONV2_WEIGHT), dPre2, grad.apply(CONV2_WEIGHT),
                grad.apply(CONV2_BIAS), b, half, firstTrains);
        if (!firstTrains) {
            return;
        }
        INDArray dMasked = dAct1.reshape('c', (long) b * half, dAct1.size(2)).muliColumnVector(c.mask1());
        INDArray dPre1 = Gelu.backward(c.conv1().output(), c.act1(), dMasked);
        StridedConv.backward(c.conv1(), weights.get(CONV1_WEIGHT), dPre1, dW1, db1, b,
                Batch.framesPerRow(batch.length()), false);
    }

    /** [batch·half, 1]: 1 where a first-convolution output lies within its utterance's ⌈frames/2⌉. */
    private static INDArray firstMask(int[] counts, int half) {
        float[] m = new float[counts.length * half];
        for (int i = 0; i < counts.length; i++) {
            int valid = StridedConv.outputLength(counts[i]);
            for (int t = 0; t < valid; t++) {
                m[i * half + t] = 1f;
            }
        }
        return Nd4j.create(m, new long[] {m.length, 1}, 'c');
    }
}
