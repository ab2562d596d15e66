package dev.condense.models.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.text.Encoding;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class PredictorTest {

    private static final List<Encoding> INPUTS = List.of(
            new Encoding(new int[] {1, 7, 7, 3, 2}, new int[] {0, 0, 0, 1, 1}),
            new Encoding(new int[] {1, 9, 2}, new int[] {0, 0, 0}),
            new Encoding(new int[] {1, 4, 7, 2}, new int[] {0, 0, 1, 1}),
            new Encoding(new int[] {1, 5, 2}, new int[] {0, 0, 0}));

    @Test
    void probabilitiesComeBackInInputOrderWhateverTheBatching() {
        TransformerEncoder encoder = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 3),
                DataType.DOUBLE, Set.of());
        double[][] oneBatch = new Predictor(encoder, 64).probabilities(INPUTS);
        double[][] pairs = new Predictor(encoder, 2).probabilities(INPUTS);
        for (int i = 0; i < INPUTS.size(); i++) {
            double[] alone = new Predictor(encoder, 1).probabilities(List.of(INPUTS.get(i)))[0];
            assertArrayEquals(alone, oneBatch[i], 1e-9, "input " + i + " in one padded batch");
            assertArrayEquals(alone, pairs[i], 1e-9, "input " + i + " in batches of two");
            double[] logits = encoder.forward(Batch.of(List.of(INPUTS.get(i)), null)).logits().toDoubleVector();
            double max = Math.max(logits[0], Math.max(logits[1], logits[2]));
            double z = Math.exp(logits[0] - max) + Math.exp(logits[1] - max) + Math.exp(logits[2] - max);
            for (int c = 0; c < 3; c++) {
                assertEquals(Math.exp(logits[c] - max) / z, alone[c], 1e-12, "softmax of input " + i);
            }
        }
        assertNotEquals(oneBatch[0][0], oneBatch[1][0], "different inputs, different outputs");
    }

    @Test
    void argmaxTakesTheFirstOfEqualMaxima() {
        assertEquals(1, Predictor.argmax(new double[] {0.2, 0.4, 0.4}));
        assertEquals(0, Predictor.argmax(new double[] {0.5, 0.5}));
    }
}
