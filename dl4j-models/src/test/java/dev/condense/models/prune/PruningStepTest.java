package dev.condense.models.prune;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.EncoderSpec;
import dev.condense.models.encoder.ParameterNames;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.factor.NuclearNorm;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.TensorMap;
import dev.condense.models.text.Encoding;
import dev.condense.models.train.CrossEntropy;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruningStepTest {

    private static final EncoderSpec SPEC = TinyEncoders.spec();
    private static final Slot BIAS = new Slot("g0/b", new long[] {3},
            List.of(new Slot.Member(ParameterNames.CLASSIFIER_BIAS, Slot.Axis.ENTRIES, 1)));

    @Test
    void taylorSquaresEachBatchsContributionAndMovementSumsItNegatedWithItsSquares() {
        TrainingState state = TrainingState.start(TinyEncoders.randomState(SPEC, 1), Set.of());
        Map<String, INDArray> weights = new HashMap<>(Map.of(ParameterNames.CLASSIFIER_BIAS,
                Nd4j.createFromArray(1f, 2f, 3f)));
        PruningStep.Session taylor = session(ScoreMethod.TAYLOR, state);
        PruningStep.Session movement = session(ScoreMethod.MOVEMENT, state);
        PruningStep.Session raw = session(ScoreMethod.RAW_MOVEMENT, state);
        for (float[] g : new float[][] {{0.5f, -1f, 2f}, {1f, 1f, 1f}}) {
            for (PruningStep.Session s : List.of(taylor, movement, raw)) {
                s.afterBackward(grads(g), Map.of(), weights);
            }
        }
        // w·g = [0.5, −2, 6] then [1, 2, 3]
        float[] squares = {0.25f + 1f, 4f + 4f, 36f + 9f};
        assertArrayEquals(squares, taylor.increments().get("g0/b").data(), 1e-6f);
        assertArrayEquals(new float[] {-1.5f, 0f, -9f}, movement.increments().get("g0/b").data(), 1e-6f);
        assertArrayEquals(squares, movement.increments().get("g0/b" + PruningStep.SQUARES_SUFFIX).data(), 1e-6f);
        assertArrayEquals(new float[] {-1.5f, 0f, -9f}, raw.increments().get("g0/b").data(), 1e-6f);
        assertEquals(Set.of("g0/b"), raw.increments().names());
    }

    private static PruningStep.Session session(ScoreMethod method, TrainingState state) {
        return new PruningStep(method, List.of(List.of(BIAS)), 0).start(state);
    }

    @ParameterizedTest
    @EnumSource(value = ScoreMethod.class, names = {"TAYLOR", "MOVEMENT"})
    void gradientScoresOfTwoShardsAddUpToTheScoresOfTheirUnion(ScoreMethod method) {
        TrainingState state = TrainingState.start(TinyEncoders.randomState(SPEC, 2), Set.of());
        PruneGroup heads = new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, 0.5, true, Set.of());
        PruneGroup elements = new PruneGroup(Set.of(MatrixKind.FFN_IN, MatrixKind.QUERY), Set.of(),
                Granularity.ELEMENT, 0.5, true, Set.of());
        PruningStep step = new PruningStep(method, List.of(StructureIndex.slots(heads, 0, SPEC),
                StructureIndex.slots(elements, 1, SPEC)), 0);
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
        if (method == ScoreMethod.MOVEMENT) {
            assertTrue(union.names().contains("g0/layer.0.heads" + PruningStep.SQUARES_SUFFIX));
        }
    }

    @Test
    void forwardSeesMaskedWeightsAndPrunedWeightsGetNoGradient() {
        TrainingState start = TrainingState.start(TinyEncoders.randomState(SPEC, 3), Set.of());
        Pruner pruner = TestPruners.oneShot(new PruneGroup(Set.of(MatrixKind.VALUE), Set.of(), Granularity.ELEMENT,
                0.5, true, Set.of()), ScoreMethod.MAGNITUDE, SPEC);
        TrainingState state = pruner.initialize(start);
        PruningStep.Session session = pruner.step().start(state);
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        session.applyMasks(enc.weights());
        String v = ParameterNames.value(0, "weight");
        float[] mask = state.masks().get(v).data();
        INDArray effective = enc.weights().get(v);
        Batch batch = TinyEncoders.batch();
        var pass = enc.forward(batch);
        Map<String, INDArray> grads = enc.backward(pass, CrossEntropy.of(pass.logits(), batch.labels(), 1.0)
                .dLogits(), Map.of());
        session.afterBackward(grads, Map.of(), enc.weights());
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

    @Test
    void withBiasCompensationTheMaskedMatricesInputsAreSummedOverRealTokensOnly() {
        Pruner pruner = TestPruners.oneShot(new PruneGroup(Set.of(MatrixKind.QUERY, MatrixKind.FFN_OUT), Set.of(),
                Granularity.ELEMENT, 0.5, true, Set.of()), ScoreMethod.MAGNITUDE, SPEC);
        TrainingState state = pruner.initialize(TrainingState.start(TinyEncoders.randomState(SPEC, 4), Set.of()));
        PruningStep.Session session = new PruningStep(ScoreMethod.MAGNITUDE, pruner.slots(), 0, true,
                NuclearNorm.Penalty.OFF).start(state);
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        Batch batch = TinyEncoders.batch();
        var pass = enc.forward(batch);

        session.afterForward(pass);
        session.afterForward(pass);

        // the first layer's query multiplies the embedding output; 12 of the 15 rows are real tokens
        INDArray embedded = pass.hiddenStates().get(0);
        float[] expected = new float[SPEC.hidden()];
        for (int row = 0; row < batch.mask().length; row++) {
            for (int i = 0; i < expected.length; i++) {
                expected[i] += 2 * batch.mask()[row] * embedded.getFloat(row, i);
            }
        }
        TensorMap sums = session.increments();
        assertArrayEquals(expected, sums.get(BiasCompensation.inputSumKey(ParameterNames.query(0, "weight"))).data(),
                1e-5f);
        assertEquals(24f, sums.get(BiasCompensation.TOKENS_KEY).data()[0]);
        assertEquals(SPEC.ffn(), sums.get(BiasCompensation.inputSumKey(ParameterNames.ffnOut(1, "weight")))
                .size());
    }

    private static TensorMap score(PruningStep step, TrainingState state, List<Batch> batches) {
        PruningStep.Session session = step.start(state);
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        for (Batch batch : batches) {
            var pass = enc.forward(batch);
            Map<String, INDArray> grads = enc.backward(pass,
                    CrossEntropy.of(pass.logits(), batch.labels(), 1.0).dLogits(), Map.of());
            session.afterBackward(grads, Map.of(), enc.weights());
        }
        return session.increments();
    }

    /**
     * With the nuclear-norm penalty, a masked matrix's gradient gains λ·U·Vᵀ of the masked weights (its polar factor
     * at full rank), and pruned entries still get none.
     */
    @Test
    void theNuclearNormPenaltyAddsLambdaTimesThePolarFactorOfTheMaskedMatrix() {
        Pruner pruner = TestPruners.oneShot(new PruneGroup(Set.of(MatrixKind.QUERY), Set.of(0), Granularity.ELEMENT,
                0.5, true, Set.of()), ScoreMethod.MAGNITUDE, SPEC);
        TrainingState state = pruner.initialize(TrainingState.start(TinyEncoders.randomState(SPEC, 12), Set.of()));
        String query = ParameterNames.query(0, "weight");
        PruningStep.Session session = new PruningStep(ScoreMethod.MAGNITUDE, pruner.slots(), 0, false,
                new NuclearNorm.Penalty(0.25, 8)).start(state);
        TransformerEncoder enc = TransformerEncoder.of(state.model(), DataType.FLOAT, Set.of());
        session.applyMasks(enc.weights());
        Map<String, INDArray> grads = new java.util.HashMap<>(Map.of(query, enc.weights().get(query).ulike()));
        session.afterBackward(grads, Map.of(), enc.weights());

        INDArray masked = enc.weights().get(query).castTo(DataType.DOUBLE);
        dev.condense.models.factor.Svd svd = dev.condense.models.factor.Svd.of(masked);
        INDArray mask = NdArrays.fromTensor(state.masks().get(query), DataType.DOUBLE);
        INDArray expected = svd.u().mmul(svd.vt()).muli(0.25).muli(mask);
        assertEquals(0.0, grads.get(query).castTo(DataType.DOUBLE).sub(expected).amaxNumber().doubleValue(), 1e-4);
        assertTrue(expected.amaxNumber().doubleValue() > 0.01);
    }

    private static Map<String, INDArray> grads(float[] g) {
        return new HashMap<>(Map.of(ParameterNames.CLASSIFIER_BIAS, Nd4j.createFromArray(g)));
    }
}
