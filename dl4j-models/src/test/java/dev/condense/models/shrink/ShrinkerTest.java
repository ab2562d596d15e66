package dev.condense.models.shrink;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.TestPruners;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShrinkerTest {

    /** Structured pruning of heads, neurons and hidden dimensions, as the prune job exports it (weights ⊙ masks). */
    private static ModelState pruned(ModelState model, List<PruneGroup> groups) {
        TrainingState state = PrunedTraining.start(TestPruners.oneShot(groups, ScoreMethod.L2, model.spec()),
                TrainingState.start(model, Set.of()));
        return MaskSet.prunedModel(state.model(), state.masks());
    }

    private static List<PruneGroup> withHidden(List<PruneGroup> groups, double hiddenSparsity) {
        List<PruneGroup> all = new ArrayList<>(groups);
        all.add(TestPruners.hidden(hiddenSparsity));
        return all;
    }

    @Test
    void theShrunkTinyModelComputesThePrunedModelsFunction() {
        EncoderSpec spec = TinyEncoders.spec();
        // 3 of the 4 heads (so one layer keeps none), 18 of 24 neurons, 2 of 8 hidden dimensions
        ModelState masked = pruned(TinyEncoders.randomState(spec, 31),
                withHidden(TestPruners.headsAndNeurons(0.75), 0.25));
        ModelState small = Shrinker.shrink(masked);

        EncoderSpec s = small.spec();
        assertEquals(6, s.hidden());
        assertEquals(1, s.layer(0).heads() + s.layer(1).heads());
        assertEquals(6, s.layer(0).ffn() + s.layer(1).ffn());
        assertFalse(small.weights().contains(ParameterNames.HIDDEN_KEEP));
        assertSameFunction(masked, small, TinyEncoders.batch(), DataType.DOUBLE, 1e-10);
    }

    @Test
    void factorisedMatricesAreCutThroughTheirFactors() {
        EncoderSpec spec = TinyEncoders.spec();
        ModelState masked = pruned(TinyEncoders.randomState(spec, 32), TestPruners.headsAndNeurons(0.5));
        ModelState factorised = Factoriser.factorise(masked, Map.of(ParameterNames.ffnIn(0, "weight"), 3,
                ParameterNames.value(1, "weight"), 2, ParameterNames.ffnOut(1, "weight"), 8));
        ModelState small = Shrinker.shrink(factorised);
        assertTrue(small.weights().contains(ParameterNames.factorU(ParameterNames.ffnIn(0, "weight"))));
        assertEquals(3, small.spec().rank(ParameterNames.ffnIn(0, "weight")));
        // FFN-out of layer 1 keeps fewer than 8 neurons, so its rank-8 factors are multiplied out
        assertTrue(small.spec().layer(1).ffn() < 8);
        assertEquals(0, small.spec().rank(ParameterNames.ffnOut(1, "weight")));
        // the multiplied-out product is rounded to float once, where the engine multiplies the factors in double
        assertSameFunction(factorised, small, TinyEncoders.batch(), DataType.DOUBLE, 1e-6);
    }

    /**
     * LoSparse: half of each residual's input rows pruned (one residual pruned entirely) are cut out, and the
     * smaller model computes what the masked one does; the saved counts are the factors, the kept rows and their
     * indices.
     */
    @Test
    void prunedResidualRowsAreCutOutAndAnEmptyResidualIsDropped() {
        String ffnIn = ParameterNames.ffnIn(0, "weight");
        String value = ParameterNames.value(1, "weight");
        String ffnOut = ParameterNames.ffnOut(1, "weight");
        ModelState split = Factoriser.lowRankPlusSparse(TinyEncoders.randomState(TinyEncoders.spec(), 33),
                Map.of(ffnIn, 2, value, 3, ffnOut, 2));
        ModelState masked = pruned(split, List.of(new PruneGroup(Set.of(MatrixKind.FFN_IN, MatrixKind.VALUE,
                MatrixKind.FFN_OUT), Set.of(), Granularity.INPUT, 0.5, false, Set.of(ParameterNames.value(0,
                "weight"), ParameterNames.ffnOut(0, "weight"), ParameterNames.ffnIn(1, "weight")))));
        java.util.Arrays.fill(masked.weights().get(value).data(), 0f);
        ModelState small = Shrinker.shrink(masked);

        assertEquals(4, small.spec().residualRows(ffnIn).size(), "4 of 8 input rows");
        assertEquals(6, small.spec().residualRows(ffnOut).size(), "6 of 12 neurons' rows");
        assertEquals(null, small.spec().residualRows(value));
        assertFalse(small.weights().contains(value));
        assertEquals(12, small.spec().layer(1).ffn(), "a neuron is cut only when U's row is zero too");
        assertSameFunction(masked, small, TinyEncoders.batch(), DataType.DOUBLE, 1e-10);
        assertEquals(0.0, Factoriser.effectiveMatrix(masked, ffnIn).sub(Factoriser.effectiveMatrix(small, ffnIn))
                .amaxNumber().doubleValue(), 1e-6, "the compact residual's rows land where they were");

        long layer0 = 4 * 8 * 8 + (2 * (8 + 12) + 4 * 12 + 4) + 12 * 8;
        long layer1 = 3 * 8 * 8 + 3 * (8 + 8) + 8 * 12 + (2 * (12 + 8) + 6 * 8 + 6);
        long expected = layer0 + layer1;
        assertEquals(expected, ParameterCount.of(small).encoderMatrixValues());
    }

    /** A neuron whose row is zero in both U and the residual goes; the rank-3 factors of 2 rows are multiplied out. */
    @Test
    void aResidualIsAddedBackWhenItsFactorsAreMultipliedOut() {
        String ffnOut = ParameterNames.ffnOut(0, "weight");
        ModelState split = Factoriser.lowRankPlusSparse(TinyEncoders.randomState(TinyEncoders.spec(), 34),
                Map.of(ffnOut, 3));
        float[] u = split.weights().get(ParameterNames.factorU(ffnOut)).data();
        float[] residual = split.weights().get(ffnOut).data();
        java.util.Arrays.fill(u, 2 * 3, u.length, 0f);
        java.util.Arrays.fill(residual, 2 * 8, residual.length, 0f);
        ModelState small = Shrinker.shrink(split);
        assertEquals(2, small.spec().layer(0).ffn());
        assertEquals(0, small.spec().rank(ffnOut));
        assertEquals(null, small.spec().residualRows(ffnOut));
        assertSameFunction(split, small, TinyEncoders.batch(), DataType.DOUBLE, 1e-6);
    }

    /** The check: the real MiniLM, half its heads and neurons and a quarter of its hidden dimensions. */
    @Test
    void theShrunkMiniLmMatchesTheMaskedOneOnRealSentencesWithin1e4() throws Exception {
        ModelState masked = pruned(MiniLm.classifier(2, 1), withHidden(TestPruners.headsAndNeurons(0.5), 0.25));
        ModelState small = Shrinker.shrink(masked);
        long before = masked.spec().layerShapes().stream().mapToLong(l -> l.heads() + l.ffn()).sum();
        long after = small.spec().layerShapes().stream().mapToLong(l -> l.heads() + l.ffn()).sum();
        assertEquals(288, small.spec().hidden());
        assertEquals((6 * 12 + 6 * 1536) / 2, after, "half the heads and neurons, counted over all layers");
        assertTrue(after < before);
        assertSameFunction(masked, small, sst2Sentences(32), DataType.FLOAT, 1e-4);
    }

    private static Batch sst2Sentences(int n) throws Exception {
        WordPieceTokenizer tok = MiniLm.tokenizer();
        List<Encoding> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("../data-samples/sst2/dev.tsv")).subList(1, n + 1)) {
            out.add(tok.encode(line.split("\t")[0], 128));
        }
        return Batch.of(out, null);
    }

    /** Equal logits, and an equal final hidden state on the kept dimensions of the real tokens. */
    private static void assertSameFunction(ModelState masked, ModelState small, Batch batch, DataType dtype,
                                           double tolerance) {
        ForwardPass a = TransformerEncoder.of(masked, dtype, Set.of()).forward(batch);
        ForwardPass b = TransformerEncoder.of(small, dtype, Set.of()).forward(batch);
        assertEquals(0.0, a.logits().sub(b.logits()).amaxNumber().doubleValue(), tolerance, "logits");
        INDArray lastA = a.hiddenStates().get(masked.spec().layers());
        INDArray lastB = b.hiddenStates().get(small.spec().layers());
        int[] kept = keptDimensions(masked);
        double max = 0;
        for (int row = 0; row < batch.mask().length; row++) {
            if (batch.mask()[row] == 0) {
                continue;
            }
            for (int j = 0; j < kept.length; j++) {
                max = Math.max(max, Math.abs(lastA.getDouble(row, kept[j]) - lastB.getDouble(row, j)));
            }
        }
        assertEquals(0.0, max, tolerance, "final hidden state");
    }

    private static int[] keptDimensions(ModelState masked) {
        int h = masked.spec().hidden();
        if (!masked.weights().contains(ParameterNames.HIDDEN_KEEP)) {
            return java.util.stream.IntStream.range(0, h).toArray();
        }
        float[] keep = masked.weights().get(ParameterNames.HIDDEN_KEEP).data();
        return java.util.stream.IntStream.range(0, h).filter(d -> keep[d] != 0).toArray();
    }
}
