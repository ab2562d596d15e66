package dev.condense.spark.train;

import dev.condense.spark.io.Checkpoints;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Writes each round's checkpoint on a background thread while the next round trains. Serializing a MiniLM prune
 * state (about 320 MB) twice (for its checksum, then into the file) and syncing it to disk took about a second of an
 * 18-second round, all of it time the replicas waited. At most one write is in flight: the next save waits for it,
 * and a failed write surfaces at the next save or at {@link #close}, so a run never gets more than one round past a
 * checkpoint it could not write. A state is never changed after its round (each round builds a new one), so the
 * writer reads it while the next round runs; {@link Checkpoints#save} refuses a payload that changed between its two
 * passes.
 */
final class BackgroundCheckpoints implements AutoCloseable {

    private final Checkpoints checkpoints;
    private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "condense-checkpoint-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<?> pending = CompletableFuture.completedFuture(null);

    BackgroundCheckpoints(Checkpoints checkpoints) {
        this.checkpoints = checkpoints;
    }

    /** Waits for the previous write, then starts writing this one. */
    void save(String stage, int round, Checkpoints.Payload payload) {
        awaitPending();
        pending = writer.submit(() -> checkpoints.save(stage, round, payload));
    }

    /** Waits for the last write (and rethrows its failure). */
    @Override
    public void close() {
        try {
            awaitPending();
        } finally {
            writer.shutdown();
        }
    }

    /** Waits for the write in flight; its failure is thrown once (a second report would suppress itself). */
    private void awaitPending() {
        Future<?> last = pending;
        pending = CompletableFuture.completedFuture(null);
        try {
            last.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a checkpoint was being written", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(e.getCause());
        }
    }
}
