package dev.condense.models.encoder;

import dev.condense.models.speech.Utterance;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.text.Encoding;

import java.util.List;
import java.util.SplittableRandom;

/** Small random encoders and batches for tests whose numbers a reader can follow. */
public final class TinyEncoders {

    private TinyEncoders() {
    }

    public static EncoderSpec spec() {
        return new EncoderSpec(20, 16, 2, 8, 2, 2, 12, 1e-5, 3);
    }

    /**
     * Three layers of the tiny layout after compression: layer 0 keeps one head of size 4 and five neurons, with
     * its query, FFN-in and FFN-out stored as factors of rank 2, 3 and 2; layer 1 keeps no heads; layer 2 keeps
     * both heads, with a rank-3 attention output, and no neurons.
     */
    public static EncoderSpec shrunkSpec() {
        return new EncoderSpec(20, 16, 2, 8, 3, 2, 12, 1e-5, 3, 4, List.of(new EncoderSpec.LayerShape(1, 5),
                new EncoderSpec.LayerShape(0, 12), new EncoderSpec.LayerShape(2, 0)),
                java.util.Map.of(ParameterNames.query(0, "weight"), 2, ParameterNames.ffnIn(0, "weight"), 3,
                        ParameterNames.ffnOut(0, "weight"), 2, ParameterNames.attentionOutput(2, "weight"), 3));
    }

    /**
     * The tiny layout as LoSparse leaves it (full layers): layer 0's query is rank 2 plus a residual on input rows 1,
     * 4 and 6 only (shrunk), its FFN-out rank 3 plus a residual on all 12 rows; layer 1's attention output is rank 2
     * with no residual and its FFN-in rank 2 plus a residual on all 8 rows.
     */
    public static EncoderSpec residualSpec() {
        EncoderSpec uniform = spec();
        return uniform.withGeometry(uniform.hidden(), uniform.layerShapes(), java.util.Map.of(
                ParameterNames.query(0, "weight"), 2, ParameterNames.ffnOut(0, "weight"), 3,
                ParameterNames.attentionOutput(1, "weight"), 2, ParameterNames.ffnIn(1, "weight"), 2), java.util.Map.of(
                ParameterNames.query(0, "weight"), List.of(1, 4, 6),
                ParameterNames.ffnOut(0, "weight"), java.util.stream.IntStream.range(0, 12).boxed().toList(),
                ParameterNames.ffnIn(1, "weight"), java.util.stream.IntStream.range(0, 8).boxed().toList()));
    }

    /** Weights ~ U(-0.5, 0.5), LayerNorm scales near 1, from a fixed seed. */
    public static ModelState randomState(EncoderSpec spec, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        TensorMap w = new TensorMap();
        for (ParameterNames.Shaped s : ParameterNames.all(spec)) {
            Tensor t = Tensor.zeros(s.shape());
            for (int i = 0; i < t.size(); i++) {
                t.data()[i] = (float) (r.nextDouble() - 0.5) + (s.name().endsWith("gamma") ? 1f : 0f);
            }
            w.put(s.name(), t);
        }
        return new ModelState(spec, w);
    }

    /** The largest absolute element-wise difference between two maps with the same names and shapes. */
    public static double maxDiff(TensorMap a, TensorMap b) {
        double max = 0;
        for (String name : a.names()) {
            float[] x = a.get(name).data();
            float[] y = b.get(name).data();
            for (int i = 0; i < x.length; i++) {
                max = Math.max(max, Math.abs(x[i] - y[i]));
            }
        }
        return max;
    }

    /** Three examples of lengths 5, 3 and 4 (so two are padded), with a repeated id and both segments. */
    public static Batch batch() {
        List<Encoding> examples = List.of(
                new Encoding(new int[] {1, 7, 7, 3, 2}, new int[] {0, 0, 0, 1, 1}),
                new Encoding(new int[] {1, 9, 2}, new int[] {0, 0, 0}),
                new Encoding(new int[] {1, 4, 7, 2}, new int[] {0, 0, 1, 1}));
        return Batch.of(examples, new int[] {2, 0, 1});
    }

    /** A speech model: 5 features, 4 channels, hidden 8 in 2 heads, 2 layers of 6 neurons, 3 labels. */
    public static EncoderSpec speechSpec(boolean ctc) {
        return EncoderSpec.speech(new EncoderSpec.Speech(5, 4, ctc), 16, 8, 2, 2, 6, 3);
    }

    /** Utterances of 13, 8 and 5 frames: 4, 2 and 2 positions, so the last two are padded. */
    public static Batch speechBatch() {
        return Batch.of(List.of(utterance(13, 1), utterance(8, 2), utterance(5, 3)), new int[] {2, 0, 1});
    }

    /** {@code frames} frames of 5 features ~ U(-1, 1) from a seed. */
    public static Utterance utterance(int frames, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] values = new float[frames * 5];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (2 * r.nextDouble() - 1);
        }
        return new Utterance(values, 5, new int[0]);
    }
}
