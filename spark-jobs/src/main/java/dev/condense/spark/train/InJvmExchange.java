package dev.condense.spark.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hands each task's result to the driver as the object itself, when the tasks run in the driver's own JVM (Spark's
 * local mode). A replica's result is hundreds of megabytes of weights and Adam moments (272 MB for MiniLM); through
 * Spark it is serialized into a shuffle, read back by the merge tasks, serialized again as their task results and
 * read once more by the driver: 0.6-0.7 s of a 15 s round on two cores, most of a round's synchronisation
 * (docs/BENCHMARKS.md). In one JVM none of that moves anything anywhere.
 *
 * <p>The driver opens an exchange for a job and passes its id to the tasks; each task deposits its result under its
 * partition (a retried task replaces its earlier deposit: the same seed gives the same result); after the job the
 * driver takes them all in partition order. A task that finds no exchange under its id is not in the driver's JVM,
 * and fails rather than losing its result.
 */
final class InJvmExchange<T> implements AutoCloseable {

    private static final Map<String, Map<Integer, Object>> OPEN = new ConcurrentHashMap<>();

    private final String id;

    private InJvmExchange(String id) {
        this.id = id;
    }

    static <T> InJvmExchange<T> open() {
        String id = UUID.randomUUID().toString();
        OPEN.put(id, new ConcurrentHashMap<>());
        return new InJvmExchange<>(id);
    }

    String id() {
        return id;
    }

    /** Called by a task: leaves {@code value} for the driver under {@code partition}. */
    static void deposit(String id, int partition, Object value) {
        Map<Integer, Object> deposits = OPEN.get(id);
        if (deposits == null) {
            throw new IllegalStateException("no open exchange " + id + " in this JVM: results can be handed over in "
                    + "memory only to a driver in the same JVM (local mode)");
        }
        deposits.put(partition, value);
    }

    /** Called by the driver after the job: every partition's result, in partition order. */
    @SuppressWarnings("unchecked")
    List<T> take(int partitions) {
        Map<Integer, Object> deposits = OPEN.remove(id);
        if (deposits == null || deposits.size() != partitions) {
            throw new IllegalStateException("expected a result from each of " + partitions + " partitions, got "
                    + (deposits == null ? 0 : deposits.size()));
        }
        List<T> results = new ArrayList<>(partitions);
        for (int p = 0; p < partitions; p++) {
            Object value = deposits.get(p);
            if (value == null) {
                throw new IllegalStateException("partition " + p + " left no result");
            }
            results.add((T) value);
        }
        return results;
    }

    /** Drops whatever was deposited (after a failed job, or after {@link #take}). */
    @Override
    public void close() {
        OPEN.remove(id);
    }
}
