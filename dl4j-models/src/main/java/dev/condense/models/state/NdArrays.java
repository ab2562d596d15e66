package dev.condense.models.state;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bulk copies between Java float arrays and ND4J arrays. {@code Nd4j.create(float[], shape)} and
 * {@code data().asFloat()} move one element at a time through an indexer; for a 47 MB embedding matrix that cost
 * seconds per round. These use one native memcpy each.
 */
public final class NdArrays {

    private NdArrays() {
    }

    public static INDArray fromTensor(Tensor t, DataType dtype) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, t.shape(), 'c');
        new FloatPointer(out.data().pointer()).put(t.data());
        return dtype == DataType.FLOAT ? out : out.castTo(dtype);
    }

    public static Tensor toTensor(INDArray a) {
        INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
        if (!f.isView() && f.ordering() == 'c' && f.offset() == 0 && f.data().length() == f.length()) {
            float[] data = new float[Math.toIntExact(f.length())];
            new FloatPointer(f.data().pointer()).get(data);
            return new Tensor(f.shape().clone(), data);
        }
        return toTensor(f.dup('c'));
    }

    /**
     * Frees the arrays' native buffers now (views and arrays already freed are skipped). ND4J otherwise frees a
     * buffer when the garbage collector finds its Java object, which for long-lived arrays (a replica's weights and
     * moments) can be rounds later: meanwhile the next round's copies sit beside them in native memory.
     */
    public static void release(Iterable<INDArray> arrays) {
        for (INDArray a : arrays) {
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }
}
