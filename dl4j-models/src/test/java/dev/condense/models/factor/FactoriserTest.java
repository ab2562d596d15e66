package dev.condense.models.factor;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.Svd;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FactoriserTest {

    private static final String FFN_IN = ParameterNames.ffnIn(0, "weight");

    @Test
    void fullRankFactorsComputeTheDenseModel() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 41);
        ModelState factorised = Factoriser.factorise(dense, Map.of(FFN_IN, 8, ParameterNames.query(1, "weight"), 8));
        assertFalse(factorised.weights().contains(FFN_IN));
        assertEquals(8, factorised.spec().rank(FFN_IN));
        INDArray a = TransformerEncoder.of(dense, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch()).logits();
        INDArray b = TransformerEncoder.of(factorised, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch())
                .logits();
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-5, "float factors of an exact decomposition");
    }

    /**
     * Factors no smaller than their matrix (8 × 12 at rank 5: 100 values for 96) are multiplied back into it, smaller
     * ones (the query at rank 3: 48 for 64) stay, and the model computes what it computed before.
     */
    @Test
    void factorsNoSmallerThanTheirMatrixAreMultipliedBack() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 43);
        String query = ParameterNames.query(1, "weight");
        ModelState factorised = Factoriser.factorise(dense, Map.of(FFN_IN, 5, query, 3));
        ModelState merged = Factoriser.multiplyOutLargeFactors(factorised);

        assertEquals(Map.of(query, 3), merged.spec().ranks());
        assertTrue(merged.weights().contains(FFN_IN));
        assertFalse(merged.weights().contains(ParameterNames.factorU(FFN_IN)));
        assertFalse(merged.weights().contains(ParameterNames.factorV(FFN_IN)));
        assertTrue(merged.weights().contains(ParameterNames.factorU(query)));
        assertEquals(new ArrayList<>(factorised.weights().asMap().keySet()).indexOf(ParameterNames.factorU(FFN_IN)),
                new ArrayList<>(merged.weights().asMap().keySet()).indexOf(FFN_IN), "in the factors' place");
        INDArray a = TransformerEncoder.of(factorised, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch())
                .logits();
        INDArray b = TransformerEncoder.of(merged, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch()).logits();
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-5);
        assertEquals(Map.of(query, 3), Factoriser.multiplyOutLargeFactors(merged).spec().ranks(), "idempotent");
    }

    /**
     * Learned ranks after structured pruning start from the shrunk model: its dense matrices (layer 0's single head of
     * size 4 and five neurons, layer 1's FFN, layer 2's two heads; layer 1 has no attention and layer 2 no FFN, and
     * four matrices are factors already) take full-rank factors in their outputs' basis, and the model computes what
     * it computed. Factors at full rank are never smaller than a matrix, so multiplying them back restores the dense
     * matrices, still computing the same.
     */
    @Test
    void aShrunkModelFactorisesAtFullRankWithoutChangeAndMultipliesBack() {
        ModelState shrunk = TinyEncoders.randomState(TinyEncoders.shrunkSpec(), 47);
        TransformerEncoder engine = TransformerEncoder.of(shrunk, DataType.DOUBLE, Set.of());
        Map<String, Integer> full = Factoriser.fullRanks(shrunk.spec(), EnumSet.allOf(MatrixKind.class));
        assertEquals(Map.of(ParameterNames.key(0, "weight"), 4, ParameterNames.value(0, "weight"), 4,
                ParameterNames.attentionOutput(0, "weight"), 4, ParameterNames.ffnIn(1, "weight"), 8,
                ParameterNames.ffnOut(1, "weight"), 8, ParameterNames.query(2, "weight"), 8,
                ParameterNames.key(2, "weight"), 8, ParameterNames.value(2, "weight"), 8), full);
        InputMoments moments = InputMoments.of(engine, List.of(TinyEncoders.batch()).iterator(),
                List.copyOf(full.keySet()));
        ModelState factorised = Factoriser.inOutputBasis(shrunk, full, moments).model();
        assertEquals(12, factorised.spec().ranks().size());

        INDArray expected = engine.forward(TinyEncoders.batch()).logits();
        INDArray gated = TransformerEncoder.of(factorised, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch())
                .logits();
        assertEquals(0.0, expected.sub(gated).amaxNumber().doubleValue(), 1e-4);

        ModelState merged = Factoriser.multiplyOutLargeFactors(factorised);
        assertEquals(shrunk.spec().ranks().keySet().stream().filter(w -> {
            long[] u = shrunk.weights().get(ParameterNames.factorU(w)).shape();
            long[] v = shrunk.weights().get(ParameterNames.factorV(w)).shape();
            return u[1] * (u[0] + v[1]) < u[0] * v[1];
        }).collect(Collectors.toSet()), merged.spec().ranks().keySet(), "what was factorised and smaller stays");
        INDArray back = TransformerEncoder.of(merged, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch())
                .logits();
        assertEquals(0.0, expected.sub(back).amaxNumber().doubleValue(), 1e-4);
    }

    @Test
    void truncatedFactorsAreTheBestApproximationOfTheirRank() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 42);
        ModelState factorised = Factoriser.factorise(dense, Map.of(FFN_IN, 3));
        INDArray w = NdArrays.fromTensor(dense.weights().get(FFN_IN), DataType.DOUBLE);
        INDArray product = NdArrays.fromTensor(factorised.weights().get(ParameterNames.factorU(FFN_IN)),
                DataType.DOUBLE).mmul(NdArrays.fromTensor(factorised.weights().get(ParameterNames.factorV(FFN_IN)),
                DataType.DOUBLE));
        assertEquals(0.0, Svd.of(w).truncate(3).reconstruct().sub(product).amaxNumber().doubleValue(), 1e-6);
        assertEquals(3 * (8 + 12), factorised.weights().get(ParameterNames.factorU(FFN_IN)).size()
                + factorised.weights().get(ParameterNames.factorV(FFN_IN)).size());
    }

    /**
     * In the basis of the outputs on the data: at full rank the model is unchanged; truncated, its output error on
     * the data is the smallest of any rank-r matrix, so below that of the SVD of the weights at the same rank, while
     * the SVD's error in the weights' own norm is the smaller one. The energies are the mean squared outputs.
     */
    @Test
    void inTheOutputBasisTruncationLosesLeastOnTheData() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 45);
        TransformerEncoder engine = TransformerEncoder.of(dense, DataType.DOUBLE, Set.of());
        InputMoments moments = InputMoments.of(engine, List.of(TinyEncoders.batch()).iterator(), List.of(FFN_IN));

        Factoriser.Factorised full = Factoriser.inOutputBasis(dense, Map.of(FFN_IN, 8), moments);
        INDArray a = engine.forward(TinyEncoders.batch()).logits();
        INDArray b = TransformerEncoder.of(full.model(), DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch())
                .logits();
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-5, "full rank computes the dense model");

        INDArray w = NdArrays.fromTensor(dense.weights().get(FFN_IN), DataType.DOUBLE);
        INDArray x = realRows(engine.forward(TinyEncoders.batch()).linearInput(FFN_IN));
        INDArray data = product(Factoriser.inOutputBasis(dense, Map.of(FFN_IN, 3), moments).model());
        INDArray weightSvd = product(Factoriser.factorise(dense, Map.of(FFN_IN, 3)));
        double dataError = x.mmul(w.sub(data)).norm2Number().doubleValue();
        double svdError = x.mmul(w.sub(weightSvd)).norm2Number().doubleValue();
        assertTrue(dataError < 0.9 * svdError, "output error " + dataError + " against the SVD's " + svdError);
        assertTrue(w.sub(weightSvd).norm2Number().doubleValue() < w.sub(data).norm2Number().doubleValue());

        double[] energy = full.energies().get(FFN_IN);
        INDArray outputs = x.mmul(w);
        double meanSquare = outputs.mul(outputs).sumNumber().doubleValue() / x.rows();
        assertEquals(meanSquare, Arrays.stream(energy).sum(), 1e-6 * meanSquare);
        for (int i = 1; i < energy.length; i++) {
            assertTrue(energy[i] <= energy[i - 1], "energies descend");
        }
    }

    /** A wide matrix's output directions, found on its input side, are the eigenvectors of Wᵀ·S·W. */
    @Test
    void theInputSideDecompositionOfAWideMatrixIsTheOutputSides() {
        Nd4j.getRandom().setSeed(3);
        INDArray w = Nd4j.randn(DataType.DOUBLE, 5, 9);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 40, 5);
        INDArray moment = x.transpose().mmul(x).divi(40);
        Factoriser.OutputDirections wide = Factoriser.outputDirections(w, moment);
        Svd direct = Svd.of(w.transpose().mmul(moment).mmul(w));
        assertEquals(List.of(9, 5), List.of(wide.vectors().rows(), wide.vectors().columns()));
        for (int i = 0; i < 5; i++) {
            assertEquals(direct.s().getDouble(i), wide.energies()[i], 1e-9 * direct.s().getDouble(0));
            // eigenvectors up to sign
            double cosine = Math.abs(direct.vt().getRow(i).mul(wide.vectors().getColumn(i)).sumNumber().doubleValue());
            assertEquals(1.0, cosine, 1e-9, "direction " + i);
        }
        INDArray q = wide.vectors();
        assertEquals(0.0, w.mmul(q).mmul(q.transpose()).sub(w).amaxNumber().doubleValue(), 1e-9,
                "the five directions span W's rows");
    }

    /** The moments count real tokens only, and two halves of the data add up to the whole. */
    @Test
    void inputMomentsSumTheRealTokensAndMerge() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 46);
        TransformerEncoder engine = TransformerEncoder.of(dense, DataType.DOUBLE, Set.of());
        Batch batch = TinyEncoders.batch();
        String query = ParameterNames.query(1, "weight");
        InputMoments moments = InputMoments.of(engine, List.of(batch).iterator(), List.of(FFN_IN, query));
        assertEquals(batch.tokens(), moments.tokens());
        INDArray x = realRows(engine.forward(batch).linearInput(query));
        INDArray expected = x.transpose().mmul(x).divi(x.rows());
        assertEquals(0.0, expected.sub(moments.secondMoment(query)).amaxNumber().doubleValue(), 1e-6);

        InputMoments twice = moments.merge(InputMoments.of(engine, List.of(batch).iterator(), List.of(FFN_IN, query)));
        assertEquals(2L * batch.tokens(), twice.tokens());
        assertEquals(0.0, moments.secondMoment(FFN_IN).sub(twice.secondMoment(FFN_IN)).amaxNumber().doubleValue(),
                1e-6);
        assertEquals(moments, InputMoments.none().merge(moments));
        assertThrows(IllegalArgumentException.class, () -> moments.merge(
                InputMoments.of(engine, List.of(batch).iterator(), List.of(FFN_IN))));
    }

    /** The rows of a [batch·length, in] activation that belong to real tokens of the tiny batch. */
    private static INDArray realRows(INDArray x) {
        float[] mask = TinyEncoders.batch().mask();
        List<Integer> real = new ArrayList<>();
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] > 0) {
                real.add(i);
            }
        }
        return x.getRows(real.stream().mapToInt(Integer::intValue).toArray());
    }

    private static INDArray product(ModelState factorised) {
        return NdArrays.fromTensor(factorised.weights().get(ParameterNames.factorU(FFN_IN)), DataType.DOUBLE)
                .mmul(NdArrays.fromTensor(factorised.weights().get(ParameterNames.factorV(FFN_IN)), DataType.DOUBLE));
    }

    /**
     * LoSparse's split: low-rank factors are the truncated SVD, the residual holds the rest, so the model is
     * unchanged and can still be pruned.
     */
    @Test
    void lowRankPlusSparseKeepsTheFunctionAndPutsTheRestInTheResidual() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 44);
        String query = ParameterNames.query(1, "weight");
        ModelState split = Factoriser.lowRankPlusSparse(dense, Map.of(FFN_IN, 2, query, 3));
        assertEquals(2, split.spec().rank(FFN_IN));
        assertEquals(java.util.List.of(0, 1, 2, 3, 4, 5, 6, 7), split.spec().residualRows(FFN_IN));
        assertTrue(split.spec().isPrunable());
        INDArray w = NdArrays.fromTensor(dense.weights().get(FFN_IN), DataType.DOUBLE);
        INDArray residual = NdArrays.fromTensor(split.weights().get(FFN_IN), DataType.DOUBLE);
        assertEquals(0.0, w.sub(Svd.of(w).truncate(2).reconstruct()).sub(residual).amaxNumber().doubleValue(), 1e-6);
        assertEquals(0.0, Factoriser.effectiveMatrix(split, FFN_IN).sub(w).amaxNumber().doubleValue(), 1e-6);
        INDArray a = TransformerEncoder.of(dense, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch()).logits();
        INDArray b = TransformerEncoder.of(split, DataType.DOUBLE, Set.of()).forward(TinyEncoders.batch()).logits();
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-5);
        assertFalse(Factoriser.factorise(dense, Map.of(FFN_IN, 2)).spec().isPrunable(),
                "without its residual a factorised matrix has lost values pruning would need");
    }

    @Test
    void refusesWhatItCannotFactorise() {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 43);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Factoriser.factorise(dense,
                Map.of("layer.7.ffn.in.weight", 2))).getMessage().contains("no dense matrix 'layer.7.ffn.in.weight'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Factoriser.factorise(dense,
                Map.of(FFN_IN, 9))).getMessage().contains("rank 9 of 'layer.0.ffn.in.weight' is outside 1..8"));
        ModelState once = Factoriser.factorise(dense, Map.of(FFN_IN, 2));
        assertThrows(IllegalArgumentException.class, () -> Factoriser.factorise(once, Map.of(FFN_IN, 2)));
    }

    @Test
    void theFixedRatioRankKeepsAtMostThatFractionOfTheParameters() {
        // 384×1536 at 20%: r·(384 + 1536) ≤ 0.2·384·1536 → r = 61
        assertEquals(61, Factoriser.rankForParameterFraction(384, 1536, 0.2));
        assertEquals(38, Factoriser.rankForParameterFraction(384, 384, 0.2));
        assertEquals(1, Factoriser.rankForParameterFraction(4, 4, 0.01));
        assertEquals(2, Factoriser.rankForParameterFraction(4, 4, 1.0));
    }
}
