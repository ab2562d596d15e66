package dev.condense.spark.data;

import dev.condense.models.encoder.Example;
import dev.condense.models.text.WordPieceTokenizer;
import dev.condense.models.train.BatchPlanner;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns valid rows into tokenized examples, and examples into N shards. Tokenization runs on the executors, with the
 * run's tokenizer shipped in the task. Each example goes to the shard chosen by a seeded hash of its line, and examples are sorted by
 * line within a shard, so a shard's contents and order are the same on every run and every task retry.
 */
public final class ShardedExamples {

    private ShardedExamples() {
    }

    /** The rows whose seeded hash is among the {@code limit} smallest: a reproducible random subset. */
    public static JavaRDD<LabeledText> sample(JavaRDD<LabeledText> rows, int limit, long seed) {
        List<Long> smallest = rows.map(r -> BatchPlanner.mix(seed, r.line())).takeOrdered(limit);
        if (smallest.size() < limit) {
            return rows;
        }
        long threshold = smallest.get(smallest.size() - 1);
        return rows.filter(r -> BatchPlanner.mix(seed, r.line()) <= threshold);
    }

    /** Tokenized on the executors with the run's tokenizer (see {@link Tokenizers}), shipped with the task. */
    public static JavaRDD<Example> tokenize(JavaRDD<LabeledText> rows, int maxLength, WordPieceTokenizer tokenizer) {
        return rows.mapPartitions(it -> tokenize(it, maxLength, tokenizer));
    }

    /** Examples spread over {@code partitions} shards by a seeded hash of their id, sorted by id, cached. */
    public static JavaRDD<Example> shard(JavaRDD<Example> examples, int partitions, long seed) {
        return examples.mapToPair(e -> new Tuple2<>(e.id(), e))
                .repartitionAndSortWithinPartitions(new ShardPartitioner(partitions, seed))
                .values()
                .persist(StorageLevel.MEMORY_ONLY());
    }

    private static Iterator<Example> tokenize(Iterator<LabeledText> rows, int maxLength,
                                              WordPieceTokenizer tokenizer) {
        List<Example> out = new ArrayList<>();
        while (rows.hasNext()) {
            LabeledText r = rows.next();
            out.add(new Example(r.line(), tokenizer.encodePair(r.text(), r.pair(), maxLength), r.label()));
        }
        return out.iterator();
    }

    /** Shard = seeded hash of the example id, modulo the shard count. */
    static final class ShardPartitioner extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int partitions;
        private final long seed;

        ShardPartitioner(int partitions, long seed) {
            this.partitions = partitions;
            this.seed = seed;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return (int) Math.floorMod(BatchPlanner.mix(seed, (Long) key), (long) partitions);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ShardPartitioner p && p.partitions == partitions && p.seed == seed;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(seed) * 31 + partitions;
        }
    }
}
