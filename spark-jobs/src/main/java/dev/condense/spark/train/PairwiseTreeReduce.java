package dev.condense.spark.train;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

import java.util.List;

/**
 * Reduces one value per partition along a fixed binary tree: partitions 2k and 2k+1 merge, then their results,
 * and so on, each level a {@code reduceByKey} so the work stays on the executors as in {@code treeAggregate}.
 * {@code treeAggregate} merges in whatever order tasks finish, and float arithmetic is not associative; here every
 * merge has exactly two operands fixed by partition index, so with a commutative merge the result is the same on
 * every run.
 */
public final class PairwiseTreeReduce {

    private PairwiseTreeReduce() {
    }

    /** @param perPartition exactly one value per partition; {@code merge} must be commutative */
    public static <T> T reduce(JavaRDD<T> perPartition, Function2<T, T, T> merge) {
        int width = perPartition.getNumPartitions();
        JavaPairRDD<Integer, T> level = perPartition.mapPartitionsWithIndex((p, it) -> {
            T value = it.next();
            if (it.hasNext()) {
                throw new IllegalStateException("partition " + p + " produced more than one value");
            }
            return List.of(new Tuple2<>(p, value)).iterator();
        }, true).mapToPair(t -> t);
        while (width > 1) {
            int next = (width + 1) / 2;
            level = level.mapToPair(t -> new Tuple2<>(t._1() / 2, t._2())).reduceByKey(merge, next);
            width = next;
        }
        List<T> result = level.values().collect();
        if (result.size() != 1) {
            throw new IllegalStateException("expected one reduced value, got " + result.size());
        }
        return result.get(0);
    }
}
