package dev.condense.models.prune;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.TensorMap;
import dev.condense.models.text.Encoding;
import dev.condense.models.train.CrossEntropy;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningStepTest {

    private static final EncoderSpec SPEC = TinyEncoders.spec();
    private static final Slot BIAS = new Slot("g0/b", new long[] {3},
            List.of(new Slot.Member(ParameterNames.CLASSIFIER_BIAS, Slot.Axis.ENTRIES, 1)));

    @Test
    void taylorSquaresEachBatchsContribution() {
        TrainingState state = TrainingState.start(TinyEncoders.randomState(SPEC, 1), Set.of());
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        INDArray bias = enc.weights().get(ParameterNames.CLASSIFIER_BIAS);
        bias.assign(Nd4j.createFromArray(1f, 2f, 3f).reshape(bias.shape()));
        PruningStep.Session taylor = new PruningStep(ScoreMethod.TAYLOR, List.of(List.of(BIAS))).start(state, enc);
        for (float[] g : new float[][] {{0.5f, -1f, 2f}, {1f, 1f, 1f}}) {
            taylor.afterBackward(step(enc), grads(g));
        }
        // w·g = [0.5, −2, 6] then [1, 2, 3]
        assertArrayEquals(new float[] {0.25f + 1f, 4f + 4f, 36f + 9f}, increments(taylor).get("g0/b").data(), 1e-6f);
    }

    @Test
    void movementIsNotAFixedMaskMethod() {
        assertThrows(IllegalArgumentException.class,
                () -> new PruningStep(ScoreMethod.MOVEMENT, List.of(List.of(BIAS))));
    }

    static StepHook.Step step(TransformerEncoder enc) {
        return new StepHook.Step(enc, Map.of(), 1, 2);
    }

    static TensorMap increments(StepHook.Session session) {
        TensorMap sums = new TensorMap();
        session.finish(new TensorMap(), sums);
        return sums;
    }

    @Test
    void taylorScoresOfTwoShardsAddUpToTheScoresOfTheirUnion() {
        TrainingState state = TrainingState.start(TinyEncoders.randomState(SPEC, 2), Set.of());
        PruneGroup heads = new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, 0.5, true, Set.of());
        PruneGroup elements = new PruneGroup(Set.of(MatrixKind.FFN_IN, MatrixKind.QUERY), Set.of(),
                Granularity.ELEMENT, 0.5, true, Set.of());
        PruningStep step = new PruningStep(ScoreMethod.TAYLOR, List.of(StructureIndex.slots(heads, 0, SPEC),
                StructureIndex.slots(elements, 1, SPEC)));
        Batch a = TinyEncoders.batch();
        Batch b = Batch.of(List.of(new Encoding(new int[] {1, 3, 3, 2}, new int[4]),
                new Encoding(new int[] {1, 11, 2}, new int[3])), new int[] {1, 2});

        TensorMap shardA = score(step, state, List.of(a));
        TensorMap shardB = score(step, state, List.of(b));
        TensorMap union = score(step, state, List.of(a, b));
        TensorMap summed = shardA.copy().addScaled(shardB, 1.0);
        for (String key : union.names()) {
            float[] x = summed.get(key).data();
            float[] y = union.get(key).data();
            for (int i = 0; i < x.length; i++) {
                assertEquals(y[i], x[i], 1e-6 * Math.max(1, Math.abs(y[i])), key + "[" + i + "]");
            }
        }
        assertTrue(union.get("g0/layer.0.heads").data()[0] != 0);
    }

    @Test
    void forwardSeesMaskedWeightsAndPrunedWeightsGetNoGradient() {
        TrainingState start = TrainingState.start(TinyEncoders.randomState(SPEC, 3), Set.of());
        Pruner pruner = TestPruners.oneShot(new PruneGroup(Set.of(MatrixKind.VALUE), Set.of(), Granularity.ELEMENT,
                0.5, true, Set.of()), ScoreMethod.MAGNITUDE, SPEC);
        TrainingState state = PrunedTraining.start(pruner, start);
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        StepHook.Session session = pruner.step().start(state, enc);
        session.beforeForward(step(enc));
        String v = ParameterNames.value(0, "weight");
        float[] mask = state.masks().get(v).data();
        INDArray effective = enc.weights().get(v);
        Batch batch = TinyEncoders.batch();
        var pass = enc.forward(batch);
        Map<String, INDArray> grads = enc.backward(pass, CrossEntropy.of(pass.logits(), batch.labels(), 1.0)
                .dLogits(), Map.of());
        session.afterBackward(step(enc), grads);
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) {
                assertEquals(0.0, effective.getDouble(i), 0.0);
                assertEquals(0.0, grads.get(v).getDouble(i), 0.0);
            }
        }
        double both = (MaskSet.sparsity(state.masks().get(v)) + MaskSet.sparsity(state.masks().get(
                ParameterNames.value(1, "weight")))) / 2;
        assertEquals(0.5, both, 1e-12, "ranked globally over both value matrices");
    }

    private static TensorMap score(PruningStep step, TrainingState state, List<Batch> batches) {
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        StepHook.Session session = step.start(state, enc);
        for (Batch batch : batches) {
            var pass = enc.forward(batch);
            Map<String, INDArray> grads = enc.backward(pass,
                    CrossEntropy.of(pass.logits(), batch.labels(), 1.0).dLogits(), Map.of());
            session.afterBackward(step(enc), grads);
        }
        return increments(session);
    }

    /**
     * With the nuclear-norm penalty, a masked matrix's gradient gains λ·U·Vᵀ of the masked weights (its polar factor
     * at full rank), and pruned entries still get none.
     */
    @Test
    void theNuclearNormPenaltyAddsLambdaTimesThePolarFactorOfTheMaskedMatrix() {
        Pruner pruner = TestPruners.oneShot(new PruneGroup(Set.of(MatrixKind.QUERY), Set.of(0), Granularity.ELEMENT,
                0.5, true, Set.of()), ScoreMethod.MAGNITUDE, SPEC);
        TrainingState state = PrunedTraining.start(pruner,
                TrainingState.start(TinyEncoders.randomState(SPEC, 12), Set.of()));
        String query = ParameterNames.query(0, "weight");
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        StepHook.Session session = new PruningStep(ScoreMethod.MAGNITUDE, pruner.slots(),
                new NuclearNorm.Penalty(0.25, 8)).start(state, enc);
        session.beforeForward(step(enc));
        Map<String, INDArray> grads = new HashMap<>(Map.of(query, enc.weights().get(query).ulike()));
        session.afterBackward(step(enc), grads);

        INDArray masked = enc.weights().get(query).castTo(DataType.DOUBLE);
        dev.condense.models.nn.Svd svd = dev.condense.models.nn.Svd.of(masked);
        INDArray mask = NdArrays.fromTensor(state.masks().get(query), DataType.DOUBLE);
        INDArray expected = svd.u().mmul(svd.vt()).muli(0.25).muli(mask);
        assertEquals(0.0, grads.get(query).castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue(), 1e-4);
        assertTrue(expected.amaxNumber().doubleValue() > 0.01);
    }

    private static Map<String, INDArray> grads(float[] g) {
        return new HashMap<>(Map.of(ParameterNames.CLASSIFIER_BIAS, Nd4j.createFromArray(g)));
    }
}
