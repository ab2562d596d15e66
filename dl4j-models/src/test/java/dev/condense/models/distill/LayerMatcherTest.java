package dev.condense.models.distill;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LayerMatcherTest {

    private static List<INDArray> states(long seed, int count) {
        Nd4j.getRandom().setSeed(seed);
        List<INDArray> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(Nd4j.rand(DataType.DOUBLE, 6, 4));
        }
        return out;
    }

    @Test
    void picksTheKnownBestLayerInOrder() {
        List<INDArray> teacher = states(1, 7);
        List<INDArray> student = states(2, 5);
        // student layer 3 is teacher layer 2 exactly; student layer 4 is near teacher layer 6
        student.set(3, teacher.get(2).dup());
        student.set(4, teacher.get(6).add(0.01));
        INDArray identity = Nd4j.eye(4).castTo(DataType.DOUBLE);
        INDArray mask = Nd4j.ones(DataType.DOUBLE, 6);
        LayerMatcher.Result r = LayerMatcher.match(student, teacher, new int[] {2, 6}, identity, mask, 1.0);
        assertArrayEquals(new int[] {3, 4}, r.mapping());
        assertEquals(0.0001, r.loss(), 1e-12, "MSE 0 for the exact match plus 0.01² for the near one");

        // order is kept: if the best match for teacher 6 lies before the match for teacher 2, it is not taken
        student.set(1, teacher.get(6).dup());
        student.set(4, teacher.get(2).dup());
        LayerMatcher.Result ordered = LayerMatcher.match(student, teacher, new int[] {2, 6}, identity, mask, 1.0);
        assertEquals(true, ordered.mapping()[0] < ordered.mapping()[1]);
    }

    @Test
    void gradientsMatchFiniteDifferencesAndPaddingIsIgnored() {
        List<INDArray> teacher = states(3, 3);
        List<INDArray> student = states(4, 3);
        Nd4j.getRandom().setSeed(5);
        INDArray map = Nd4j.rand(DataType.DOUBLE, 4, 4);
        INDArray mask = Nd4j.createFromArray(1.0, 1.0, 1.0, 0.0, 1.0, 0.0);
        LayerMatcher.Result r = LayerMatcher.match(student, teacher, new int[] {2}, map, mask, 1.0);
        int matched = r.mapping()[0];
        double h = 1e-6;
        for (int i = 0; i < 16; i++) {
            double orig = map.getDouble(i);
            map.putScalar(i, orig + h);
            double plus = LayerMatcher.match(student, teacher, new int[] {2}, map, mask, 1.0).loss();
            map.putScalar(i, orig - h);
            double minus = LayerMatcher.match(student, teacher, new int[] {2}, map, mask, 1.0).loss();
            map.putScalar(i, orig);
            assertEquals((plus - minus) / (2 * h), r.dMap().getDouble(i), 1e-6);
        }
        INDArray dh = r.dStudentHidden().get(matched);
        assertEquals(0.0, dh.getRow(3).norm2Number().doubleValue(), 0.0, "padding rows get no gradient");
    }
}
