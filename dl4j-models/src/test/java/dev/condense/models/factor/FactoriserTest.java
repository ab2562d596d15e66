package dev.condense.models.factor;

import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.Svd;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

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
