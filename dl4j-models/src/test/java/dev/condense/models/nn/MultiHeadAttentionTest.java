package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attention's backward pass in float, where the softmax's gradient is {@link SoftmaxKernel}'s one pass per row,
 * against the same pass in double, which keeps ND4J's ops (the path the finite-difference tests of the encoder
 * check), on padded batches whose masked keys get no attention.
 */
class MultiHeadAttentionTest {

    private static final int BATCH = 3;
    private static final int LENGTH = 7;
    private static final int HEADS = 2;
    private static final int HIDDEN = 8;

    @Test
    void theFloatBackwardIsTheDoubleBackward() {
        Nd4j.getRandom().setSeed(11);
        INDArray q = Nd4j.randn(DataType.DOUBLE, BATCH * LENGTH, HIDDEN);
        INDArray k = Nd4j.randn(DataType.DOUBLE, BATCH * LENGTH, HIDDEN);
        INDArray v = Nd4j.randn(DataType.DOUBLE, BATCH * LENGTH, HIDDEN);
        INDArray dContext = Nd4j.randn(DataType.DOUBLE, BATCH * LENGTH, HIDDEN);
        INDArray keyBias = Nd4j.zeros(DataType.DOUBLE, BATCH, LENGTH);
        keyBias.putScalar(new long[] {1, 6}, -1e9);       // example 1 has 6 real tokens, example 2 has 4
        for (int t = 4; t < LENGTH; t++) {
            keyBias.putScalar(new long[] {2, t}, -1e9);
        }
        INDArray[] exact = backward(q, k, v, dContext, keyBias);
        INDArray[] fast = backward(q.castTo(DataType.FLOAT), k.castTo(DataType.FLOAT), v.castTo(DataType.FLOAT),
                dContext.castTo(DataType.FLOAT), keyBias.castTo(DataType.FLOAT));
        for (int i = 0; i < 3; i++) {
            assertEquals(DataType.FLOAT, fast[i].dataType());
            double scale = exact[i].amaxNumber().doubleValue();
            double diff = exact[i].sub(fast[i].castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-5 * scale, "gradient " + "qkv".charAt(i) + ": " + diff + " of " + scale);
        }
        // a masked key gets no gradient: its score never reached the softmax
        INDArray dk = exact[1];
        assertEquals(0.0, dk.getRow(2 * LENGTH + 5).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0.0, fast[1].getRow(2 * LENGTH + 5).amaxNumber().doubleValue(), 1e-6);
    }

    private static INDArray[] backward(INDArray q, INDArray k, INDArray v, INDArray dContext, INDArray keyBias) {
        MultiHeadAttention.Result fwd = MultiHeadAttention.forward(q, k, v, keyBias, BATCH, LENGTH, HEADS);
        return MultiHeadAttention.backward(fwd, dContext, BATCH, LENGTH, HEADS);
    }
}
