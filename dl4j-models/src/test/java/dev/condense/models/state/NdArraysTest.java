package dev.condense.models.state;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NdArraysTest {

    @Test
    void aTensorCrossesToNd4jAndBackExactly() {
        Tensor t = new Tensor(new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, 0, 6});
        assertArrayEquals(t.data(), NdArrays.toTensor(NdArrays.fromTensor(t, DataType.FLOAT)).data());
    }

    @Test
    void releaseFreesOwnedBuffersNowAndSkipsViewsAndFreedOnes() {
        INDArray owner = Nd4j.rand(DataType.FLOAT, 4, 4);
        INDArray view = owner.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all());
        INDArray other = Nd4j.rand(DataType.FLOAT, 3);
        NdArrays.release(Arrays.asList(view, owner, null, other));
        assertTrue(owner.wasClosed(), "the owner's buffer is freed");
        assertTrue(other.wasClosed());
        assertFalse(owner.closeable(), "and cannot be freed twice");
        NdArrays.release(Arrays.asList(owner, other));
    }
}
