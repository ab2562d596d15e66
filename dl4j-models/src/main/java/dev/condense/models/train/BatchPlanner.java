package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.ModelInput;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Decides which examples a replica trains on in a round, and how they are batched, from the round, the shard and a
 * seed alone: a retried task or a resumed run builds exactly the same batches.
 *
 * <p>The shard is walked epoch by epoch, each epoch in its own seeded permutation; round r takes the next
 * steps × batchSize positions. Those examples are sorted by length and cut into batches (so each batch pads only
 * to its own longest example), and the batch order is then shuffled so lengths do not rise steadily in a round.
 */
public final class BatchPlanner {

    private BatchPlanner() {
    }

    public static List<Batch> roundBatches(List<Example> shard, long seed, int partition, int round, int steps,
                                           int batchSize) {
        if (shard.isEmpty()) {
            return List.of();
        }
        int n = shard.size();
        long first = (long) round * steps * batchSize;
        List<Example> chosen = new ArrayList<>(steps * batchSize);
        int[] permutation = null;
        long permutationEpoch = -1;
        for (long pos = first; pos < first + (long) steps * batchSize; pos++) {
            long epoch = pos / n;
            if (epoch != permutationEpoch) {
                permutation = permutation(n, mix(seed, partition, epoch));
                permutationEpoch = epoch;
            }
            chosen.add(shard.get(permutation[(int) (pos % n)]));
        }
        return bucketed(chosen, batchSize, new SplittableRandom(mix(seed, partition, -1 - round)));
    }

    /** All examples in length-sorted batches, for evaluation: order does not matter, padding does. */
    public static List<Batch> evaluationBatches(List<Example> examples, int batchSize) {
        return bucketed(new ArrayList<>(examples), batchSize, null);
    }

    private static List<Batch> bucketed(List<Example> examples, int batchSize, SplittableRandom shuffle) {
        examples.sort(Comparator.comparingInt((Example e) -> e.input().length()).thenComparingLong(Example::id));
        List<Batch> batches = new ArrayList<>();
        for (int start = 0; start < examples.size(); start += batchSize) {
            List<Example> part = examples.subList(start, Math.min(examples.size(), start + batchSize));
            List<ModelInput> inputs = new ArrayList<>(part.size());
            int[] labels = new int[part.size()];
            for (int i = 0; i < part.size(); i++) {
                inputs.add(part.get(i).input());
                labels[i] = part.get(i).label();
            }
            batches.add(Batch.of(inputs, labels));
        }
        if (shuffle != null) {
            for (int i = batches.size() - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                batches.set(i, batches.set(j, batches.get(i)));
            }
        }
        return batches;
    }

    private static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** A well-mixed 64-bit seed from several inputs (SplitMix64's finaliser over a running combination). */
    public static long mix(long... parts) {
        long h = 0x9E3779B97F4A7C15L;
        for (long part : parts) {
            h = finalize(h ^ (part + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2)));
        }
        return h;
    }

    private static long finalize(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
