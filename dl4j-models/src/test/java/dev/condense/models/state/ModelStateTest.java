package dev.condense.models.state;

import dev.condense.models.encoder.TinyEncoders;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelStateTest {

    @Test
    void aShrunkFactorisedModelSurvivesItsWireForm() {
        roundTrip(TinyEncoders.randomState(TinyEncoders.shrunkSpec(), 4));
    }

    @Test
    void clsPoolingSurvivesTheWireForm() {
        ModelState back = roundTrip(TinyEncoders.randomState(TinyEncoders.spec().withPooling(
                dev.condense.models.state.Pooling.CLS), 5));
        assertEquals(dev.condense.models.state.Pooling.CLS, back.spec().pooling());
    }

    /** The bytes are as long as {@link ModelState#serializedSize} says, and read back to the same spec and values. */
    private static ModelState roundTrip(ModelState state) {
        byte[] bytes = state.toBytes();
        assertEquals(state.serializedSize(), bytes.length);
        ModelState back = ModelState.fromBytes(bytes);
        assertEquals(state.spec(), back.spec());
        assertEquals(0.0, TinyEncoders.maxDiff(state.weights(), back.weights()), 0.0);
        return back;
    }

    @Test
    void aSpeechModelSurvivesItsWireFormWithItsFrontEndAndHead() {
        for (boolean ctc : new boolean[] {false, true}) {
            ModelState back = roundTrip(TinyEncoders.randomState(TinyEncoders.speechSpec(ctc), 8));
            assertEquals(new EncoderSpec.Speech(5, 4, ctc), back.spec().speech());
            assertTrue(back.weights().contains(ParameterNames.CONV2_WEIGHT));
            assertTrue(!back.weights().contains(ParameterNames.WORD_EMBEDDINGS));
        }
    }

    @Test
    void sparseResidualRowsSurviveTheWireForm() {
        ModelState back = roundTrip(TinyEncoders.randomState(TinyEncoders.residualSpec(), 6));
        assertEquals(List.of(1, 4, 6), back.spec().residualRows(ParameterNames.query(0, "weight")));
    }

    @Test
    void aResidualNeedsAFactorisedMatrixAndIncreasingRowsInsideIt() {
        EncoderSpec uniform = TinyEncoders.spec();
        String query = ParameterNames.query(0, "weight");
        IllegalArgumentException dense = assertThrows(IllegalArgumentException.class, () -> uniform.withGeometry(8,
                uniform.layerShapes(), Map.of(), Map.of(query, List.of(0, 1))));
        assertTrue(dense.getMessage().contains("has a sparse residual but is not factorised"), dense.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> uniform.withGeometry(8,
                uniform.layerShapes(), Map.of(query, 2), Map.of(query, List.of(3, 1))));
        assertTrue(order.getMessage().contains("must increase within 0..7; entry 1 is 1"), order.getMessage());
        assertThrows(IllegalArgumentException.class, () -> uniform.withGeometry(8, uniform.layerShapes(),
                Map.of(query, 2), Map.of(query, List.of(8))));
    }

    /** Teachers and checkpoints written before compression existed carry no geometry: they read as uniform. */
    @Test
    void readsTheUniformVersionOneFormat() throws Exception {
        ModelState state = TinyEncoders.randomState(TinyEncoders.spec(), 5);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            EncoderSpec s = state.spec();
            out.writeInt(0x434E4453);
            out.writeInt(1);
            for (int v : new int[] {s.vocabSize(), s.maxPositions(), s.typeVocabSize(), s.hidden(), s.layers(),
                    s.heads(), s.ffn()}) {
                out.writeInt(v);
            }
            out.writeDouble(s.layerNormEps());
            out.writeInt(s.numLabels());
            state.weights().writeTo(out);
        }
        ModelState back = ModelState.fromBytes(bytes.toByteArray());
        assertEquals(state.spec(), back.spec());
        assertTrue(back.spec().isUniform());
    }

    @Test
    void aRankMustNameAKeptEncoderMatrixAndFitIt() {
        EncoderSpec uniform = TinyEncoders.spec();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> uniform.withGeometry(
                8, uniform.layerShapes(), Map.of(ParameterNames.CLASSIFIER_WEIGHT, 2)));
        assertTrue(unknown.getMessage().contains("'classifier.weight' is not an encoder matrix"), unknown.getMessage());
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class, () -> uniform.withGeometry(
                8, uniform.layerShapes(), Map.of(ParameterNames.ffnIn(0, "weight"), 9)));
        assertTrue(tooLarge.getMessage().contains("rank 9 of 'layer.0.ffn.in.weight' is outside 1..8"),
                tooLarge.getMessage());
        List<EncoderSpec.LayerShape> headless = List.of(new EncoderSpec.LayerShape(0, 12),
                new EncoderSpec.LayerShape(2, 12));
        IllegalArgumentException removed = assertThrows(IllegalArgumentException.class, () -> uniform.withGeometry(
                8, headless, Map.of(ParameterNames.query(0, "weight"), 2)));
        assertTrue(removed.getMessage().contains("not an encoder matrix"), removed.getMessage());
    }
}
