package dev.condense.spark.task;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Caps ND4J's and OpenBLAS's threads in this JVM. With two busy tasks on two cores, each task must use one thread:
 * spinning OpenMP threads competing for the same cores made small ops 10-100× slower. OMP_NUM_THREADS (set by the
 * launchers and {@code spark.executorEnv}) covers start-up; this covers executors started without it.
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    /** No-op for {@code threads <= 0} (keep the library's default). */
    public static void limit(int threads) {
        if (threads <= 0) {
            return;
        }
        if (Nd4j.getEnvironment().maxMasterThreads() != threads) {
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.getEnvironment().setMaxThreads(threads);
        }
        if (Nd4j.factory().blas().getMaxThreads() != threads) {
            Nd4j.factory().blas().setMaxThreads(threads);
        }
    }
}
