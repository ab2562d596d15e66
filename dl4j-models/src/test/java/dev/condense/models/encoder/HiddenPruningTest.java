package dev.condense.models.encoder;

import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.TestPruners;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hidden-dimension pruning on the tiny encoder (hidden 8): whole dimensions go, the pruned model ignores whatever
 * the removed dimensions hold, and the exported model carries its hidden mask.
 */
class HiddenPruningTest {

    private static final EncoderSpec SPEC = TinyEncoders.spec();

    private static ModelState pruned(ModelState model, double sparsity) {
        Pruner pruner = TestPruners.oneShot(TestPruners.hidden(sparsity), ScoreMethod.L2, SPEC);
        TrainingState state = PrunedTraining.start(pruner, TrainingState.start(model, Set.of()));
        return MaskSet.prunedModel(state.model(), state.masks());
    }

    private static List<Integer> prunedDimensions(ModelState model) {
        float[] keep = model.weights().get(ParameterNames.HIDDEN_KEEP).data();
        List<Integer> out = new java.util.ArrayList<>();
        for (int d = 0; d < keep.length; d++) {
            if (keep[d] == 0f) {
                out.add(d);
            }
        }
        return out;
    }

    @Test
    void aPrunedDimensionIsZeroInEveryMatrixAndNormThatTouchesIt() {
        ModelState model = pruned(TinyEncoders.randomState(SPEC, 21), 0.25);
        List<Integer> gone = prunedDimensions(model);
        assertEquals(2, gone.size(), "25% of 8 dimensions");
        TensorMap w = model.weights();
        int h = SPEC.hidden();
        for (int d : gone) {
            assertEquals(0f, w.get(ParameterNames.EMBEDDING_NORM_GAMMA).data()[d]);
            assertEquals(0f, w.get(ParameterNames.CLASSIFIER_WEIGHT).data()[d * SPEC.numLabels()]);
            for (int l = 0; l < SPEC.layers(); l++) {
                assertEquals(0f, w.get(ParameterNames.ffnNorm(l, "beta")).data()[d]);
                assertEquals(0f, w.get(ParameterNames.attentionOutput(l, "bias")).data()[d]);
                for (int j = 0; j < h; j++) {
                    assertEquals(0f, w.get(ParameterNames.query(l, "weight")).data()[d * h + j], "query row");
                    assertEquals(0f, w.get(ParameterNames.attentionOutput(l, "weight")).data()[j * h + d], "output col");
                }
                for (int j = 0; j < SPEC.ffn(); j++) {
                    assertEquals(0f, w.get(ParameterNames.ffnIn(l, "weight")).data()[d * SPEC.ffn() + j], "ffn-in row");
                    assertEquals(0f, w.get(ParameterNames.ffnOut(l, "weight")).data()[j * h + d], "ffn-out col");
                }
            }
        }
        int kept = java.util.stream.IntStream.range(0, h).filter(d -> !gone.contains(d)).findFirst().orElseThrow();
        assertNotEquals(0f, w.get(ParameterNames.EMBEDDING_NORM_GAMMA).data()[kept]);
    }

    @Test
    void thePrunedModelIgnoresWhatTheRemovedDimensionsHold() {
        ModelState model = pruned(TinyEncoders.randomState(SPEC, 22), 0.5);
        List<Integer> gone = prunedDimensions(model);
        Batch batch = TinyEncoders.batch();
        INDArray before = TransformerEncoder.of(model, DataType.DOUBLE, Set.of()).forward(batch).logits();

        // overwrite the removed dimensions' embedding columns, which hidden pruning leaves unmasked
        TensorMap changed = model.weights().copy();
        for (String table : List.of(ParameterNames.WORD_EMBEDDINGS, ParameterNames.POSITION_EMBEDDINGS,
                ParameterNames.TYPE_EMBEDDINGS)) {
            Tensor t = changed.get(table);
            for (int row = 0; row < t.shape()[0]; row++) {
                for (int d : gone) {
                    t.data()[row * SPEC.hidden() + d] = 100f + row;
                }
            }
        }
        ModelState perturbed = new ModelState(SPEC, changed);
        INDArray after = TransformerEncoder.of(perturbed, DataType.DOUBLE, Set.of()).forward(batch).logits();
        assertEquals(0.0, before.sub(after).amaxNumber().doubleValue(), 1e-12);

        // without the hidden mask the same weights give a different function: the norms would see the columns
        TensorMap unmasked = new TensorMap();
        changed.names().stream().filter(n -> !n.equals(ParameterNames.HIDDEN_KEEP))
                .forEach(n -> unmasked.put(n, changed.get(n)));
        INDArray wrong = TransformerEncoder.of(new ModelState(SPEC, unmasked), DataType.DOUBLE, Set.of())
                .forward(batch).logits();
        assertTrue(before.sub(wrong).amaxNumber().doubleValue() > 1e-3);
    }

    @Test
    void gradientsWithAHiddenMaskMatchFiniteDifferences() {
        ModelState model = pruned(TinyEncoders.randomState(SPEC, 23), 0.25);
        TransformerEncoder enc = TransformerEncoder.of(model, DataType.DOUBLE, Set.of());
        Batch batch = TinyEncoders.batch();
        var pass = enc.forward(batch);
        var ce = dev.condense.models.train.CrossEntropy.of(pass.logits(), batch.labels(), 1.0);
        var grads = enc.backward(pass, ce.dLogits(), java.util.Map.of());
        double h = 1e-6;
        for (String name : List.of(ParameterNames.EMBEDDING_NORM_GAMMA, ParameterNames.attentionNorm(0, "beta"),
                ParameterNames.ffnIn(1, "weight"), ParameterNames.POSITION_EMBEDDINGS)) {
            INDArray w = enc.weights().get(name);
            for (long i = 0; i < w.length(); i += Math.max(1, w.length() / 30)) {
                double original = w.getDouble(i);
                w.putScalar(i, original + h);
                double plus = lossOf(enc, batch);
                w.putScalar(i, original - h);
                double minus = lossOf(enc, batch);
                w.putScalar(i, original);
                double numeric = (plus - minus) / (2 * h);
                assertEquals(numeric, grads.get(name).getDouble(i), 1e-6 + 1e-5 * Math.abs(numeric), name + "[" + i + "]");
            }
        }
    }

    private static double lossOf(TransformerEncoder enc, Batch batch) {
        return dev.condense.models.train.CrossEntropy.of(enc.forward(batch).logits(), batch.labels(), 1.0).lossSum();
    }
}
