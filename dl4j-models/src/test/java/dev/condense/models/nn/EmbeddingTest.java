package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedding gradient's scatter-add, in float straight into the table's memory and in double per distinct id,
 * against the sum written out by hand, with ids that repeat and rows that already hold a gradient.
 */
class EmbeddingTest {

    private static final int[] IDS = {3, 0, 3, 5, 3, 0};

    @Test
    void theFloatAndDoubleScatterAddsAccumulateRepeatedIds() {
        for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(4);
            INDArray before = Nd4j.rand(type, 7, 4);
            INDArray dOut = Nd4j.rand(type, IDS.length, 4).subi(0.5);
            INDArray grad = before.dup();
            Embedding.scatterAdd(grad, IDS, dOut);

            INDArray expected = before.castTo(DataType.DOUBLE);
            for (int i = 0; i < IDS.length; i++) {
                expected.getRow(IDS[i]).addi(dOut.getRow(i).castTo(DataType.DOUBLE));
            }
            double diff = expected.sub(grad.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            assertEquals(0.0, diff, 1e-6, type + " scatter-add");
            // rows no id names keep what they held
            assertEquals(before.getRow(6), grad.getRow(6));
        }
    }
}
