package dev.condense.models.nn;

import org.nd4j.linalg.factory.Nd4j;

import java.util.stream.IntStream;

/**
 * How the Java kernels use the threads ND4J uses: [0, count) split into one contiguous range per ND4J thread of this
 * JVM, the caller running one of them. Every kernel computes each index on its own, so the result does not depend
 * on the split.
 */
final class ParallelRanges {

    /** A part of [0, count). */
    interface Range {
        void run(int from, int to);
    }

    private ParallelRanges() {
    }

    /** Runs {@code range} over [0, count) in parts, or in one when {@code work} is under {@code minWork}. */
    static void inParallel(int count, long work, long minWork, Range range) {
        int threads = Math.min(Nd4j.getEnvironment().maxMasterThreads(), Runtime.getRuntime().availableProcessors());
        int parts = work < minWork ? 1 : Math.max(1, Math.min(threads, count));
        if (parts == 1) {
            range.run(0, count);
            return;
        }
        int per = (count + parts - 1) / parts;
        IntStream.range(0, parts).parallel().forEach(p -> range.run(p * per, Math.min(count, (p + 1) * per)));
    }
}
