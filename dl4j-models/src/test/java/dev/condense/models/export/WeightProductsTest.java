package dev.condense.models.export;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.state.ModelState;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightProductsTest {

    /** One scale per output column, from that column's largest magnitude; a pruned (all-zero) column gets 1. */
    @Test
    void int8ScalesArePerOutputColumn() {
        float[] w = {1f, -2f, 0f,
                     0.5f, 0f, 0f};
        assertArrayEquals(new float[] {1f / 127, 2f / 127, 1f},
                WeightProducts.DynamicInt8.columnScales(w, 2, 3), 0f);
    }

    /** The quantized tiny model's logits stay near float32's: weights and activations lose about 1% each. */
    @Test
    void int8LogitsFollowFloat32() throws Exception {
        ModelState model = TinyEncoders.randomState(TinyEncoders.spec(), 51);
        List<String> labels = List.of("a", "b", "c");
        float[] fp32;
        float[] int8;
        Operators ops = Operators.ONNX_RUNTIME;
        try (OnnxRuntimeModel f = new OnnxRuntimeModel(OnnxExport.toBytes(model, Precision.FLOAT32, ops, labels, "t"),
                1);
             OnnxRuntimeModel q = new OnnxRuntimeModel(OnnxExport.toBytes(model, Precision.INT8, ops, labels, "t"),
                     1)) {
            fp32 = f.run(TinyEncoders.batch(), EncoderGraph.LOGITS);
            int8 = q.run(TinyEncoders.batch(), EncoderGraph.LOGITS);
        }
        double max = 0;
        double scale = 0;
        for (int i = 0; i < fp32.length; i++) {
            max = Math.max(max, Math.abs(fp32[i] - int8[i]));
            scale = Math.max(scale, Math.abs(fp32[i]));
        }
        assertEquals(0, max / scale, 0.1, "largest logit error relative to the largest logit");
        assertTrue(max > 0, "the INT8 graph is really quantized");
    }
}
