package dev.condense.models.pretrained;

import dev.condense.models.onnx.EncoderImport;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Pooling;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.text.WordPieceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * A pretrained BERT-family encoder from its ONNX export and {@code tokenizer.json}, with a new classification head:
 * the starting point of fine-tuning for the bundled all-MiniLM-L6-v2 and for any encoder a user brings.
 */
public final class Pretrained {

    /** BERT's initialiser range for new heads. */
    private static final double HEAD_INIT_STD = 0.02;

    private Pretrained() {
    }

    /** The encoder of the graph with a fresh head: N(0, 0.02) weights from {@code seed}, zero bias. */
    public static ModelState classifier(InputStream onnx, Pooling pooling, int numLabels, long seed)
            throws IOException {
        EncoderImport.Encoder encoder = EncoderImport.read(onnx, pooling, numLabels);
        EncoderSpec spec = encoder.spec();
        TensorMap weights = encoder.weights();
        SplittableRandom random = new SplittableRandom(seed);
        float[] head = new float[spec.hidden() * numLabels];
        for (int i = 0; i < head.length; i++) {
            head[i] = (float) (gaussian(random) * HEAD_INIT_STD);
        }
        weights.put(ParameterNames.CLASSIFIER_WEIGHT, new Tensor(new long[] {spec.hidden(), numLabels}, head));
        weights.put(ParameterNames.CLASSIFIER_BIAS, Tensor.zeros(numLabels));
        return new ModelState(spec, weights);
    }

    /**
     * The tokenizer of a {@code tokenizer.json}, checked to fit the encoder: its vocabulary must be the word
     * embedding table's size.
     */
    public static WordPieceTokenizer tokenizer(InputStream json, EncoderSpec spec) throws IOException {
        WordPieceTokenizer tokenizer = WordPieceTokenizer.fromTokenizerJson(json);
        if (tokenizer.vocabSize() > spec.vocabSize()) {
            throw new IOException("the tokenizer has " + tokenizer.vocabSize() + " word pieces but the encoder's "
                    + "embedding table only " + spec.vocabSize() + ": they do not belong together");
        }
        return tokenizer;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
