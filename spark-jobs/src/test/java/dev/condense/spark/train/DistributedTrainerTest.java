package dev.condense.spark.train;

import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.TensorMap;
import dev.condense.models.text.Encoding;
import dev.condense.models.train.BatchPlanner;
import dev.condense.models.train.LearningRateSchedule;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.ReplicaResult;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.data.ShardedExamples;
import dev.condense.spark.io.Checkpoints;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark round loop against replicas trained locally with the same seeds and batches. */
public class DistributedTrainerTest {

    private static final int STEPS = 3;
    private static final int BATCH = 4;
    private static final long SEED = 5;

    private static JavaSparkContext sc;

    @TempDir
    Path run;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    @Test
    void onePartitionEqualsTheLocalTrainer() {
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(examples(30)), 1, SEED);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 1), Set.of());
        DistributedTrainer.Outcome out = trainer().fit(plan(2), shards, start);

        List<Example> shard = shards.collect();
        LocalTrainer local = new LocalTrainer(optimizer());
        TrainingState expected = start;
        for (int round = 0; round < 2; round++) {
            expected = local.train(expected, BatchPlanner.roundBatches(shard, SEED, 0, round, STEPS, BATCH)
                    .iterator(), STEPS).state();
        }
        assertEquals(2 * STEPS, out.state().step());
        assertClose(expected.model().weights(), out.state().model().weights(), 1e-6);
        assertClose(expected.secondMoment(), out.state().secondMoment(), 1e-6);
    }

    @Test
    void twoPartitionsAverageTheReplicasWeightedByExamples() {
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(examples(40)), 2, SEED);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 2), Set.of());
        TrainingState averaged = trainer().round(plan(1), shards, start, 0).apply(start);

        List<List<Example>> parts = byPartition(shards);
        TensorMap sum = null;
        long total = 0;
        for (int p = 0; p < parts.size(); p++) {
            ReplicaResult r = new LocalTrainer(optimizer()).train(start,
                    BatchPlanner.roundBatches(parts.get(p), SEED, p, 0, STEPS, BATCH).iterator(), STEPS);
            TensorMap w = r.state().model().weights().copy().scale(r.examples());
            sum = sum == null ? w : sum.addScaled(w, 1.0);
            total += r.examples();
        }
        assertEquals(2L * STEPS * BATCH, total);
        assertClose(sum.scale(1.0 / total), averaged.model().weights(), 1e-6);
        assertTrue(TinyEncoders.maxDiff(start.model().weights(), averaged.model().weights()) > 1e-3, "training moved weights");
    }

    /**
     * The three ways a round's result can reach the driver give the same bits: whole through Spark's tree, in many
     * pieces through it, and (local mode's default) handed over in memory and reduced by the same tree on the driver.
     */
    @Test
    void resultsThroughSparkWholeOrInPiecesOrInMemoryAgreeBitForBit() {
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(examples(45)), 3, SEED);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 7), Set.of());
        assertEquals(1, RoundAverage.groupsFor(start, RoundAverage.PIECE_BYTES), "a tiny state travels whole");
        int pieces = RoundAverage.groupsFor(start, 2_000);
        assertTrue(pieces > 5, "and in many pieces of 2 kB: " + pieces);
        assertTrue(sc.isLocal(), "the tests' Spark runs tasks in this JVM");
        RoundAverage inMemory = trainer().round(plan(1), shards, start, 0);
        RoundAverage whole = throughSpark(RoundAverage.PIECE_BYTES).round(plan(1), shards, start, 0);
        RoundAverage inPieces = throughSpark(2_000).round(plan(1), shards, start, 0);
        for (RoundAverage other : List.of(whole, inPieces)) {
            assertEquals(inMemory.meanLoss(), other.meanLoss());
            assertEquals(3, other.replicas());
            assertTrue(java.util.Arrays.equals(inMemory.apply(start).toBytes(), other.apply(start).toBytes()),
                    "weights, moments and their order");
        }
    }

    private DistributedTrainer throughSpark(long pieceBytes) {
        return new DistributedTrainer(sc, new Checkpoints(sc.hadoopConfiguration(), run.resolve("spark").toString()),
                s -> { }, pieceBytes, false);
    }

    @Test
    void resumesAfterTheLastCheckpointedRound() {
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(examples(30)), 2, SEED);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 3), Set.of());
        TrainingState uninterrupted = trainer().fit(plan(3), shards, start).state();

        DistributedTrainer second = new DistributedTrainer(sc,
                new Checkpoints(sc.hadoopConfiguration(), run.resolve("b").toString()), s -> { });
        List<Double> firstTwo = second.fit(plan(2), shards, start).roundLosses();
        DistributedTrainer.Outcome resumed = second.fit(plan(3), shards, start);
        assertEquals(3, resumed.roundLosses().size(), "the checkpoint carries the losses of the rounds before it");
        assertEquals(firstTwo, resumed.roundLosses().subList(0, 2));
        assertClose(uninterrupted.model().weights(), resumed.state().model().weights(), 0);
    }

    @Test
    void aNonFiniteRoundIsRejectedAndNotCheckpointed() {
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(examples(30)), 2, SEED);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 4), Set.of());
        start.model().weights().get(ParameterNames.CLASSIFIER_BIAS).data()[0] = Float.NaN;
        Checkpoints checkpoints = new Checkpoints(sc.hadoopConfiguration(), run.resolve("nan").toString());
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new DistributedTrainer(sc, checkpoints, s -> { }).fit(plan(2), shards, start));
        assertTrue(e.getMessage().startsWith("t round 1/2: the training loss is NaN"), e.getMessage());
        assertTrue(checkpoints.latest("t").isEmpty(), "nothing checkpointed");
    }

    /** Each shard's examples in order, via pairs (partition, example). */
    public static List<List<Example>> byPartition(JavaRDD<Example> shards) {
        List<List<Example>> parts = new ArrayList<>();
        for (int p = 0; p < shards.getNumPartitions(); p++) {
            parts.add(new ArrayList<>());
        }
        shards.mapPartitionsWithIndex((p, it) -> {
            List<scala.Tuple2<Integer, Example>> out = new ArrayList<>();
            it.forEachRemaining(e -> out.add(new scala.Tuple2<>(p, e)));
            return out.iterator();
        }, true).collect().forEach(t -> parts.get(t._1()).add(t._2()));
        return parts;
    }

    private DistributedTrainer trainer() {
        return new DistributedTrainer(sc, new Checkpoints(sc.hadoopConfiguration(), run.resolve("a").toString()),
                s -> { });
    }

    private static DistributedTrainer.Plan plan(int rounds) {
        OptimizerSettings optimizer = optimizer();
        return new DistributedTrainer.Plan("t", rounds, STEPS, BATCH, SEED, 1, () -> new LocalTrainer(optimizer),
                DistributedTrainer.RoundHook.NONE);
    }

    /**
     * A notebook cell runs its jobs in a job group (Databricks' Cancel button cancels that group): a round names its
     * job for the UI and then puts the cell's description back, leaving the group alone.
     */
    @Test
    void aRoundKeepsTheCallersJobGroupAndDescription() {
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(examples(20)), 2, SEED);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 6), Set.of());
        sc.setJobGroup("notebook-cell-7", "cell 7", true);
        try {
            trainer().round(plan(1), shards, start, 0);
            assertEquals("notebook-cell-7", sc.getLocalProperty("spark.jobGroup.id"));
            assertEquals("cell 7", sc.getLocalProperty("spark.job.description"));
            assertEquals("true", sc.getLocalProperty("spark.job.interruptOnCancel"));
        } finally {
            sc.clearJobGroup();
        }
    }

    @Test
    void aCheckpointOfAnotherShapeIsNotResumed() {
        EncoderSpec text = EncoderSpec.miniLmL6(2);
        DistributedTrainer.requireSameShape("finetune", text, EncoderSpec.miniLmL6(2));
        EncoderSpec speech = EncoderSpec.speech(new EncoderSpec.Speech(80, 128, false), 256, 384, 6, 12, 1536, 2);
        dev.condense.spark.settings.SettingsException e = assertThrows(
                dev.condense.spark.settings.SettingsException.class,
                () -> DistributedTrainer.requireSameShape("finetune", text, speech));
        assertTrue(e.getMessage().contains("holds a speech 6-layer") && e.getMessage().contains("from a text"),
                e.getMessage());
        assertThrows(dev.condense.spark.settings.SettingsException.class,
                () -> DistributedTrainer.requireSameShape("prune", text, EncoderSpec.miniLmL6(3)));
    }

    private static OptimizerSettings optimizer() {
        return new OptimizerSettings(new LearningRateSchedule(1e-2, 2, 12), 0.9, 0.999, 1e-8, 0.01, 1.0, Set.of());
    }

    /** Sequences over the tiny vocabulary; the label is whether id 7 occurs, so there is something to learn. */
    static List<Example> examples(int n) {
        EncoderSpec spec = TinyEncoders.spec();
        SplittableRandom r = new SplittableRandom(17);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 3 + r.nextInt(6);
            int[] ids = new int[len];
            boolean seven = false;
            for (int t = 0; t < len; t++) {
                ids[t] = 1 + r.nextInt(spec.vocabSize() - 1);
                seven |= ids[t] == 7;
            }
            out.add(new Example(i, new Encoding(ids, new int[len]), seven ? 1 : 0));
        }
        return out;
    }

    static void assertClose(TensorMap expected, TensorMap actual, double tol) {
        assertEquals(expected.names(), actual.names());
        double d = TinyEncoders.maxDiff(expected, actual);
        assertTrue(d <= tol, "max difference " + d + " > " + tol);
    }


}
