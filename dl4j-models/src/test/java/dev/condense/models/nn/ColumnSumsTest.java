package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ColumnSumsTest {

    @Test
    void addsTheSumOverRowsIntoAVectorOrARow() {
        INDArray m = Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}});
        INDArray vector = Nd4j.createFromArray(10.0, 20.0, 30.0);
        INDArray row = Nd4j.createFromArray(new double[][] {{1, 1, 1}});
        ColumnSums.accumulate(m, vector);
        ColumnSums.accumulate(m, row);
        assertEquals(Nd4j.createFromArray(15.0, 27.0, 39.0), vector);
        assertEquals(Nd4j.createFromArray(new double[][] {{6, 8, 10}}), row);
    }

    @Test
    void agreesWithNd4jsReductionInFloatOnAView() {
        Nd4j.getRandom().setSeed(5);
        INDArray wide = Nd4j.randn(DataType.FLOAT, 300, 80);
        INDArray m = wide.get(NDArrayIndex.all(), NDArrayIndex.interval(13, 61));
        INDArray into = Nd4j.randn(DataType.FLOAT, 48);
        INDArray expected = into.add(m.sum(0));
        ColumnSums.accumulate(m, into);
        assertEquals(0.0, into.sub(expected).amaxNumber().doubleValue(), 1e-4);
    }

    @Test
    void aBufferOfTheWrongLengthIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> ColumnSums.accumulate(Nd4j.ones(DataType.FLOAT, 2, 3), Nd4j.zeros(DataType.FLOAT, 2)));
    }
}
