package dev.condense.models.nn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Dropout masks: the share they drop, the scale of what they keep, and that a mask is a function of its seed and
 * shape alone, in float and in double, whatever the number of threads that drew it.
 */
class DropoutMaskTest {

    @Test
    void aMaskDropsItsRateAndScalesWhatItKeeps() {
        int n = 1 << 20;
        INDArray mask = DropoutMask.draw(7, 0.1, DataType.FLOAT, 1024, n / 1024);
        float kept = (float) (1 / 0.9);
        long zeros = 0;
        for (float value : mask.data().asFloat()) {
            if (value == 0f) {
                zeros++;
            } else {
                assertEquals(kept, value, 0f);
            }
        }
        // binomial: the standard deviation of the dropped share is 0.0003 here
        assertEquals(0.1, zeros / (double) n, 0.0015);
        assertEquals(1.0, mask.castTo(DataType.DOUBLE).meanNumber().doubleValue(), 0.002,
                "the expected activation is unchanged");
    }

    @Test
    void aMaskIsAFunctionOfItsSeedAndShape() {
        INDArray a = DropoutMask.draw(11, 0.5, DataType.FLOAT, 300, 300);
        assertEquals(a, DropoutMask.draw(11, 0.5, DataType.FLOAT, 300, 300));
        assertNotEquals(a, DropoutMask.draw(12, 0.5, DataType.FLOAT, 300, 300));
        assertEquals(a.castTo(DataType.DOUBLE), DropoutMask.draw(11, 0.5, DataType.DOUBLE, 300, 300));
        // 90,000 elements are drawn in parallel parts, a small mask in one: element i is the same either way
        INDArray small = DropoutMask.draw(11, 0.5, DataType.FLOAT, 3, 100);
        assertEquals(small, a.reshape(a.length()).get(NDArrayIndex.interval(0, 300)).reshape(3, 100));
    }

    @Test
    void derivedSeedsGiveUnrelatedMasks() {
        INDArray first = DropoutMask.draw(DropoutMask.derive(5, 0), 0.5, DataType.FLOAT, 10_000);
        INDArray second = DropoutMask.draw(DropoutMask.derive(5, 1), 0.5, DataType.FLOAT, 10_000);
        double agreement = first.eq(second).castTo(DataType.DOUBLE).meanNumber().doubleValue();
        assertEquals(0.5, agreement, 0.03, "two independent halves agree half the time");
    }

    @Test
    void rateZeroDrawsNothingAndRatesOutsideTheUnitIntervalAreRefused() {
        assertNull(DropoutMask.draw(1, 0, DataType.FLOAT, 4, 4));
        assertThrows(IllegalArgumentException.class, () -> DropoutMask.draw(1, 1, DataType.FLOAT, 4));
        assertThrows(IllegalArgumentException.class, () -> DropoutMask.draw(1, -0.1, DataType.FLOAT, 4));
    }
}
