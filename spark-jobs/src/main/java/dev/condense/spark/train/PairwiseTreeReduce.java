package dev.condense.spark.train;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BinaryOperator;

/**
 * Reduces each partition's values along a fixed binary tree: partitions 2k and 2k+1 merge, then their results, and
 * so on, each level a {@code reduceByKey} so the work stays on the executors as in {@code treeAggregate}.
 * {@code treeAggregate} merges in whatever order tasks finish, and float arithmetic is not associative; here every
 * merge has exactly two operands fixed by partition index, so with a commutative merge the result is the same on
 * every run.
 *
 * <p>Every partition gives the same number of values, one per group, and each group is reduced by a tree of its own.
 * A large result travels as pieces (see {@link RoundAverage#split}): each merge, shuffle block and task result then
 * holds one piece, not the whole, and the pieces of the last level reach the driver in separate task results.
 */
public final class PairwiseTreeReduce {

    private PairwiseTreeReduce() {
    }

    /**
     * @param perPartition exactly {@code groups} values per partition, in group order; {@code merge} must be
     *                     commutative
     * @return the reduced value of each group, in group order
     */
    public static <T> List<T> reduce(JavaRDD<T> perPartition, int groups, Function2<T, T, T> merge) {
        int width = perPartition.getNumPartitions();
        JavaPairRDD<Tuple2<Integer, Integer>, T> level = perPartition.mapPartitionsWithIndex((p, it) -> {
            List<Tuple2<Tuple2<Integer, Integer>, T>> keyed = new ArrayList<>(groups);
            for (int g = 0; it.hasNext(); g++) {
                keyed.add(new Tuple2<>(new Tuple2<>(g, p), it.next()));
            }
            if (keyed.size() != groups) {
                throw new IllegalStateException("partition " + p + " produced " + keyed.size() + " values, not "
                        + groups);
            }
            return keyed.iterator();
        }, true).mapToPair(t -> t);
        while (width > 1) {
            int next = (width + 1) / 2;
            level = level.mapToPair(t -> new Tuple2<>(new Tuple2<>(t._1()._1(), t._1()._2() / 2), t._2()))
                    .reduceByKey(merge, groups * next);
            width = next;
        }
        List<Tuple2<Tuple2<Integer, Integer>, T>> result = new ArrayList<>(level.collect());
        if (result.size() != groups) {
            throw new IllegalStateException("expected " + groups + " reduced values, got " + result.size());
        }
        result.sort(Comparator.comparingInt(t -> t._1()._1()));
        List<T> values = new ArrayList<>(groups);
        result.forEach(t -> values.add(t._2()));
        return values;
    }

    /**
     * The same fixed tree over values already on the driver, value i being partition i's: 2k and 2k+1 merge, then
     * their results, and so on, so that it gives bit for bit what {@link #reduce} gives for one group.
     */
    public static <T> T reduceInHand(List<T> perPartition, BinaryOperator<T> merge) {
        if (perPartition.isEmpty()) {
            throw new IllegalArgumentException("nothing to reduce");
        }
        List<T> level = perPartition;
        while (level.size() > 1) {
            List<T> next = new ArrayList<>((level.size() + 1) / 2);
            for (int k = 0; k < level.size(); k += 2) {
                next.add(k + 1 < level.size() ? merge.apply(level.get(k), level.get(k + 1)) : level.get(k));
            }
            level = next;
        }
        return level.get(0);
    }
}
