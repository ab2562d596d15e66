package dev.condense.models.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.condense.models.encoder.Batch;
import dev.condense.models.eval.Inference;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * An exported graph ({@link OnnxExport}) in an ONNX Runtime session, fed Condense batches: the serving engine for
 * evaluation and prediction. ONNX Runtime runs the float32 graph about 2.5× faster than the training engine's
 * forward pass on one core (docs/BENCHMARKS.md), and it is the only engine for the INT8 graph. A session is not
 * cheap to build (it optimises the graph); build one per JVM or task and reuse it for every batch.
 */
public final class OnnxRuntimeModel implements Inference, AutoCloseable {

    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    /** Whether the logits are per position (a CTC head), from the graph's {@value OnnxExport#KIND} metadata. */
    private final boolean ctc;

    /** @param threads ONNX Runtime's intra-op threads: the cores the task was given (0: ONNX Runtime's default) */
    public OnnxRuntimeModel(byte[] onnx, int threads) {
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            if (threads > 0) {
                options.setIntraOpNumThreads(threads);
            }
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            this.session = env.createSession(onnx, options);
            this.ctc = "ctc".equals(session.getMetadata().getCustomMetadata().get(OnnxExport.KIND));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot load the exported graph: " + e.getMessage(), e);
        }
    }

    public OrtSession session() {
        return session;
    }

    /** [batch, labels], or [batch·length, symbols] for a CTC model: the training engine's layout. */
    @Override
    public INDArray logits(Batch batch) {
        float[] values = run(batch, EncoderGraph.LOGITS);
        long rows = ctc ? (long) batch.size() * batch.length() : batch.size();
        return Nd4j.create(values, new long[] {rows, values.length / rows}, 'c');
    }

    /** The named output ({@code logits}, {@code embedding}, {@code last_hidden_state}), flattened row-major. */
    public float[] run(Batch batch, String output) {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            if (batch.frames() == null) {
                inputs.put(EncoderGraph.INPUT_IDS, longs(batch.ids(), batch.size(), batch.length()));
                inputs.put(EncoderGraph.TOKEN_TYPE_IDS, longs(batch.typeIds(), batch.size(), batch.length()));
                int[] mask = new int[batch.mask().length];
                for (int i = 0; i < mask.length; i++) {
                    mask[i] = (int) batch.mask()[i];
                }
                inputs.put(EncoderGraph.ATTENTION_MASK, longs(mask, batch.size(), batch.length()));
            } else {
                Batch.Frames f = batch.frames();
                inputs.put(EncoderGraph.FEATURES, OnnxTensor.createTensor(env, FloatBuffer.wrap(f.values()),
                        new long[] {batch.size(), Batch.framesPerRow(batch.length()), f.features()}));
                inputs.put(EncoderGraph.FRAME_COUNTS, longs(f.counts(), batch.size()));
            }
            try (OrtSession.Result r = session.run(inputs, java.util.Set.of(output))) {
                FloatBuffer values = ((OnnxTensor) r.get(output).orElseThrow(() -> new IllegalArgumentException(
                        "the graph has no output '" + output + "'"))).getFloatBuffer();
                float[] flat = new float[values.remaining()];
                values.get(flat);
                return flat;
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + batch.size() + ": "
                    + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private OnnxTensor longs(int[] values, long... shape) throws OrtException {
        long[] widened = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            widened[i] = values[i];
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(widened), shape);
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}
