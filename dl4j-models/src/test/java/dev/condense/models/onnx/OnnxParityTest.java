package dev.condense.models.onnx;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.state.ModelState;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.InputStream;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The encoder built from the ONNX initializers reproduces onnxruntime's last hidden state of the original graph. */
class OnnxParityTest {

    @Test
    void lastHiddenStateMatchesOnnxRuntime() throws Exception {
        WordPieceTokenizer tok = MiniLm.tokenizer();
        List<Encoding> sentences = List.of(
                tok.encode("the movie was great", 64),
                tok.encode("A gorgeous, witty, seductive movie; I could not stop watching it.", 64));
        Batch batch = Batch.of(sentences, null);
        ModelState state = MiniLm.classifier(2, 1);
        INDArray ours = TransformerEncoder.of(state, DataType.FLOAT, Set.of()).forward(batch)
                .hiddenStates().get(state.spec().layers());

        float[][][] reference = runOnnx(batch);
        double maxDiff = 0;
        for (int b = 0; b < batch.size(); b++) {
            for (int t = 0; t < sentences.get(b).length(); t++) {
                for (int h = 0; h < state.spec().hidden(); h++) {
                    double d = Math.abs(reference[b][t][h] - ours.getDouble((long) b * batch.length() + t, h));
                    maxDiff = Math.max(maxDiff, d);
                }
            }
        }
        assertEquals(0.0, maxDiff, 1e-4, "max |ours - onnxruntime| over real tokens");
        // the values quoted in shared/data/README.md for "the movie was great"
        assertEquals(-0.14969, ours.getDouble(0, 0), 1e-4);
        assertEquals(-0.11750, ours.getDouble(0, 1), 1e-4);
        assertEquals(0.10443, ours.getDouble(0, 2), 1e-4);
    }

    private static float[][][] runOnnx(Batch batch) throws Exception {
        try (InputStream in = OnnxParityTest.class.getClassLoader().getResourceAsStream(MiniLm.ONNX_RESOURCE)) {
            return OriginalGraph.lastHiddenState(in.readAllBytes(), batch);
        }
    }
}
