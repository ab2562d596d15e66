package dev.condense.spark.train;

import dev.condense.spark.SparkTestSession;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PairwiseTreeReduceTest {

    private static JavaSparkContext sc;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    /** Partition p gives "g:p" for each group g; the merge keeps both operands, so the tree's shape shows. */
    @Test
    void eachGroupIsReducedByTheSameFixedTreeOfPartitions() {
        int groups = 3;
        List<Integer> partitions = List.of(0, 1, 2, 3, 4);
        List<String> reduced = PairwiseTreeReduce.reduce(sc.parallelize(partitions, 5).mapPartitionsWithIndex(
                (p, it) -> {
                    List<String> out = new ArrayList<>();
                    for (int g = 0; g < groups; g++) {
                        out.add(g + ":" + p);
                    }
                    return out.iterator();
                }, true), groups, PairwiseTreeReduceTest::merge);
        assertEquals(List.of("(((0:0 0:1) (0:2 0:3)) 0:4)", "(((1:0 1:1) (1:2 1:3)) 1:4)",
                "(((2:0 2:1) (2:2 2:3)) 2:4)"), reduced);
    }

    @Test
    void valuesInHandAreReducedByTheSameTree() {
        assertEquals("(((0:0 0:1) (0:2 0:3)) 0:4)", PairwiseTreeReduce.reduceInHand(
                List.of("0:0", "0:1", "0:2", "0:3", "0:4"), PairwiseTreeReduceTest::merge));
        assertEquals("0:0", PairwiseTreeReduce.reduceInHand(List.of("0:0"), PairwiseTreeReduceTest::merge));
        assertThrows(IllegalArgumentException.class,
                () -> PairwiseTreeReduce.reduceInHand(List.<String>of(), PairwiseTreeReduceTest::merge));
    }

    @Test
    void aPartitionWithTheWrongNumberOfValuesIsAnError() {
        SparkException e = assertThrows(SparkException.class, () -> PairwiseTreeReduce.reduce(
                sc.parallelize(List.of("a", "b", "c"), 2), 2, PairwiseTreeReduceTest::merge));
        assertEquals(true, e.getMessage().contains("produced 1 values, not 2"), e.getMessage());
    }

    /** Commutative (operands in sorted order) but not associative: any other pairing gives another string. */
    private static String merge(String a, String b) {
        return a.compareTo(b) <= 0 ? "(" + a + " " + b + ")" : "(" + b + " " + a + ")";
    }
}
