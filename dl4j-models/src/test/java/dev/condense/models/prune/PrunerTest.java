package dev.condense.models.prune;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Masks at every granularity on the tiny encoder (2 layers, hidden 8, 2 heads of 4, FFN 12). */
class PrunerTest {

    private static final EncoderSpec SPEC = TinyEncoders.spec();
    private static final Set<MatrixKind> ENCODER = Set.of(MatrixKind.QUERY, MatrixKind.KEY, MatrixKind.VALUE,
            MatrixKind.ATTENTION_OUTPUT, MatrixKind.FFN_IN, MatrixKind.FFN_OUT);

    private static TensorMap masks(PruneGroup group, ScoreMethod method) {
        Pruner pruner = TestPruners.oneShot(group, method, SPEC);
        TrainingState state = TrainingState.start(TinyEncoders.randomState(SPEC, 9), Set.of());
        return PrunedTraining.start(pruner, state).masks();
    }

    @Test
    void elementGranularityHitsTheExactSparsity() {
        TensorMap m = masks(new PruneGroup(ENCODER, Set.of(), Granularity.ELEMENT, 0.6, true, Set.of()),
                ScoreMethod.MAGNITUDE);
        long zeros = 0;
        long total = 0;
        for (String name : m.names()) {
            total += m.get(name).size();
            zeros += Math.round(MaskSet.sparsity(m.get(name)) * m.get(name).size());
        }
        // 2 layers × (4·8·8 + 2·8·12) = 896 weights; 60% = 537.6 → 538
        assertEquals(896, total);
        assertEquals(538, zeros);
    }

    @Test
    void outputAndInputUnitsArePrunedWhole() {
        TensorMap out = masks(new PruneGroup(Set.of(MatrixKind.FFN_IN), Set.of(), Granularity.OUTPUT, 0.5, false,
                Set.of()), ScoreMethod.L2);
        for (int l = 0; l < SPEC.layers(); l++) {
            float[] w = out.get(ParameterNames.ffnIn(l, "weight")).data();
            float[] b = out.get(ParameterNames.ffnIn(l, "bias")).data();
            int prunedColumns = 0;
            for (int j = 0; j < SPEC.ffn(); j++) {
                boolean pruned = b[j] == 0;
                prunedColumns += pruned ? 1 : 0;
                for (int i = 0; i < SPEC.hidden(); i++) {
                    assertEquals(pruned ? 0f : 1f, w[i * SPEC.ffn() + j], "column " + j + " is all or nothing");
                }
            }
            assertEquals(6, prunedColumns, "half of layer " + l + "'s 12 outputs");
        }
        TensorMap in = masks(new PruneGroup(Set.of(MatrixKind.FFN_OUT), Set.of(1), Granularity.INPUT, 0.25, false,
                Set.of()), ScoreMethod.L1);
        assertEquals(Set.of(ParameterNames.ffnOut(1, "weight")), in.names());
        assertEquals(0.25, MaskSet.sparsity(in.get(ParameterNames.ffnOut(1, "weight"))), 1e-12);
    }

    @Test
    void headMaskRemovesWholeHeads() {
        TensorMap m = masks(new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, 0.5, true, Set.of()),
                ScoreMethod.MAGNITUDE);
        int d = SPEC.headSize();
        int prunedHeads = 0;
        for (int l = 0; l < SPEC.layers(); l++) {
            for (int h = 0; h < SPEC.heads(); h++) {
                boolean pruned = m.get(ParameterNames.query(l, "bias")).data()[h * d] == 0;
                prunedHeads += pruned ? 1 : 0;
                float expect = pruned ? 0f : 1f;
                for (String proj : new String[] {ParameterNames.query(l, ""), ParameterNames.key(l, ""),
                    ParameterNames.value(l, "")}) {
                    float[] w = m.get(proj + "weight").data();
                    float[] b = m.get(proj + "bias").data();
                    for (int c = h * d; c < (h + 1) * d; c++) {
                        assertEquals(expect, b[c]);
                        for (int i = 0; i < SPEC.hidden(); i++) {
                            assertEquals(expect, w[i * SPEC.hidden() + c]);
                        }
                    }
                }
                float[] o = m.get(ParameterNames.attentionOutput(l, "weight")).data();
                for (int r = h * d; r < (h + 1) * d; r++) {
                    for (int j = 0; j < SPEC.hidden(); j++) {
                        assertEquals(expect, o[r * SPEC.hidden() + j]);
                    }
                }
            }
        }
        assertEquals(2, prunedHeads, "half of the 4 heads, ranked globally");
    }

    @Test
    void neuronMaskTakesTheFfnInColumnAndTheFfnOutRow() {
        TensorMap m = masks(new PruneGroup(Set.of(), Set.of(0), Granularity.NEURON, 0.25, false, Set.of()),
                ScoreMethod.TAYLOR);
        // Taylor scores start at zero, so ties break by position: neurons 0, 1, 2 of layer 0
        float[] in = m.get(ParameterNames.ffnIn(0, "weight")).data();
        float[] out = m.get(ParameterNames.ffnOut(0, "weight")).data();
        for (int n = 0; n < SPEC.ffn(); n++) {
            float expect = n < 3 ? 0f : 1f;
            assertEquals(expect, m.get(ParameterNames.ffnIn(0, "bias")).data()[n]);
            assertEquals(expect, in[n]);
            assertEquals(expect, out[n * SPEC.hidden()]);
        }
        assertTrue(!m.contains(ParameterNames.ffnIn(1, "weight")), "layer 1 is not selected");
    }

    /**
     * With a score decay d the accumulated Taylor scores are an exponential moving average over rounds: S ← d·S +
     * round. An input unit important only in the first round loses its place to one important lately, which a plain
     * sum would keep.
     */
    @Test
    void aScoreDecayForgetsEarlyRoundsAsAMovingAverage() {
        String query = ParameterNames.query(0, "weight");
        PruneGroup rows = new PruneGroup(Set.of(MatrixKind.QUERY), Set.of(0), Granularity.INPUT, 0.5, true, Set.of());
        SparsitySchedule late = new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 2, 2, 1, 1);
        float[] early = {10, 10, 10, 10, 0, 0, 0, 0};
        float[] recent = {0, 0, 0, 0, 6, 6, 6, 6};
        for (double decay : new double[] {1.0, 0.5}) {
            Pruner pruner = new Pruner(new Pruner.Spec(List.of(rows), ScoreMethod.TAYLOR, late, 0, 0, 0.5, 1,
                    NuclearNorm.Penalty.OFF, decay), SPEC);
            TrainingState state = PrunedTraining.start(pruner,
                    TrainingState.start(TinyEncoders.randomState(SPEC, 8), Set.of()));
            String key = pruner.slots().get(0).get(0).key();
            state = PrunedTraining.decide(pruner, atStep(state, 1), scores(key, early));
            state = PrunedTraining.decide(pruner, atStep(state, 2), scores(key, recent));
            float[] expected = new float[8];
            for (int i = 0; i < 8; i++) {
                expected[i] = (float) (decay * early[i] + recent[i]);
            }
            assertArrayEquals(expected, state.scores().get(key).data(), 1e-6f);
            float[] mask = state.masks().get(query).data();
            boolean firstRowKept = mask[0] != 0;
            assertEquals(decay == 1.0, firstRowKept, "decay " + decay + ": " + java.util.Arrays.toString(expected));
        }
        assertThrows(IllegalArgumentException.class, () -> new Pruner.Spec(List.of(rows), ScoreMethod.TAYLOR, late, 0,
                0, 0.5, 1, NuclearNorm.Penalty.OFF, 0));
    }

    private static TrainingState atStep(TrainingState s, long step) {
        return new TrainingState(s.model(), s.extra(), s.firstMoment(), s.secondMoment(), s.scores(), s.masks(), step);
    }

    private static TensorMap scores(String key, float[] values) {
        TensorMap out = new TensorMap();
        out.put(key, new Tensor(new long[] {values.length}, values.clone()));
        return out;
    }

    @Test
    void aGroupThatSelectsNothingIsAnError() {
        PruneGroup none = new PruneGroup(Set.of(MatrixKind.QUERY), Set.of(7), Granularity.ELEMENT, 0.5, true,
                Set.of());
        assertThrows(IllegalArgumentException.class, () -> masks(none, ScoreMethod.MAGNITUDE));
    }

    @Test
    void magnitudeL1AndL2ScoresOfAStructure() {
        Slot slot = new Slot("s", new long[] {2}, List.of(new Slot.Member("w", Slot.Axis.COLUMNS, 1)));
        TensorMap w = new TensorMap().put("w", new Tensor(new long[] {2, 2}, new float[] {3, -1, -4, 2}));
        var abs = slot.reduce(n -> org.nd4j.linalg.ops.transforms.Transforms.abs(
                dev.condense.models.state.NdArrays.fromTensor(w.get(n), org.nd4j.linalg.api.buffer.DataType.FLOAT)));
        var sq = slot.reduce(n -> {
            var a = dev.condense.models.state.NdArrays.fromTensor(w.get(n), org.nd4j.linalg.api.buffer.DataType.FLOAT);
            return a.mul(a);
        });
        assertEquals(7.0, abs.getDouble(0), 1e-6);
        assertEquals(3.0, abs.getDouble(1), 1e-6);
        assertEquals(5.0, Math.sqrt(sq.getDouble(0)), 1e-6);
        assertEquals(Math.sqrt(5.0), Math.sqrt(sq.getDouble(1)), 1e-6);
    }
}
