package dev.condense.models.eval;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Confusion counts and summed loss over a labelled set. Mergeable, so executors evaluate their shards and the
 * driver adds the results up.
 */
public final class ClassificationMetrics implements Serializable {

    private static final long serialVersionUID = 1L;

    private final long[][] confusion;
    private double lossSum;

    public ClassificationMetrics(int classes) {
        this.confusion = new long[classes][classes];
    }


    /** Rebuilds metrics from their parts (deserialisation). */
    public static ClassificationMetrics of(long[][] confusion, double lossSum) {
        ClassificationMetrics m = new ClassificationMetrics(confusion.length);
        for (int i = 0; i < confusion.length; i++) {
            System.arraycopy(confusion[i], 0, m.confusion[i], 0, confusion.length);
        }
        m.lossSum = lossSum;
        return m;
    }

    public double lossSum() {
        return lossSum;
    }

    public void addLoss(double loss) {
        lossSum += loss;
    }

    public void record(int label, int predicted) {
        confusion[label][predicted]++;
    }

    public ClassificationMetrics merge(ClassificationMetrics other) {
        if (other.confusion.length != confusion.length) {
            throw new IllegalArgumentException("class counts differ");
        }
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                confusion[i][j] += other.confusion[i][j];
            }
        }
        lossSum += other.lossSum;
        return this;
    }

    public long count() {
        return Arrays.stream(confusion).flatMapToLong(Arrays::stream).sum();
    }

    public long correct() {
        long c = 0;
        for (int i = 0; i < confusion.length; i++) {
            c += confusion[i][i];
        }
        return c;
    }

    public double accuracy() {
        long n = count();
        return n == 0 ? Double.NaN : (double) correct() / n;
    }

    public double meanLoss() {
        long n = count();
        return n == 0 ? Double.NaN : lossSum / n;
    }

    /** confusion()[label][predicted]. */
    public long[][] confusion() {
        long[][] copy = new long[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }
}
