package dev.condense.models.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.condense.models.encoder.Batch;

import java.util.Map;

/** Runs an encoder's original ONNX graph in ONNX Runtime: the reference the imported weights must reproduce. */
final class OriginalGraph {

    private OriginalGraph() {
    }

    /** The graph's {@code last_hidden_state} for a batch, [batch][position][hidden]. */
    static float[][][] lastHiddenState(byte[] onnx, Batch batch) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        long[][] ids = new long[batch.size()][batch.length()];
        long[][] mask = new long[batch.size()][batch.length()];
        long[][] types = new long[batch.size()][batch.length()];
        for (int b = 0; b < batch.size(); b++) {
            for (int t = 0; t < batch.length(); t++) {
                ids[b][t] = batch.ids()[b * batch.length() + t];
                mask[b][t] = (long) batch.mask()[b * batch.length() + t];
                types[b][t] = batch.typeIds()[b * batch.length() + t];
            }
        }
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
             OnnxTensor i = OnnxTensor.createTensor(env, ids);
             OnnxTensor m = OnnxTensor.createTensor(env, mask);
             OnnxTensor y = OnnxTensor.createTensor(env, types);
             OrtSession.Result r = session.run(Map.of("input_ids", i, "attention_mask", m, "token_type_ids", y))) {
            return (float[][][]) r.get("last_hidden_state").orElseThrow().getValue();
        }
    }
}
