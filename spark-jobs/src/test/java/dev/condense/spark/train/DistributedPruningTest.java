package dev.condense.spark.train;

import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.prune.MovementStep;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsitySchedule;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.BatchPlanner;
import dev.condense.models.train.LearningRateSchedule;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.Objective;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.ReplicaResult;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.data.ShardedExamples;
import dev.condense.spark.io.Checkpoints;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scores are summed over executors before masks are chosen, and the masks hold on the averaged weights. */
class DistributedPruningTest {

    private static final EncoderSpec SPEC = TinyEncoders.spec();
    private static final int STEPS = 3;
    private static final int BATCH = 4;
    private static final long SEED = 11;

    private static JavaSparkContext sc;

    @TempDir
    Path run;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    private static Pruner pruner(ScoreMethod method) {
        return new Pruner(new Pruner.Spec(List.of(
                new PruneGroup(Set.of(MatrixKind.QUERY, MatrixKind.FFN_IN), Set.of(), Granularity.ELEMENT, 0.5, true,
                        Set.of()),
                new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, 0.5, true, Set.of())), method,
                new SparsitySchedule(SparsitySchedule.Kind.LINEAR, 0, 2 * STEPS, 1, 1), 0, 0, 0.5, 1), SPEC);
    }

    private static OptimizerSettings optimizer() {
        return new OptimizerSettings(new LearningRateSchedule(1e-2, 1, 20), 0.9, 0.999, 1e-8, 0.01, 1.0, Set.of());
    }

    @ParameterizedTest
    @EnumSource(value = ScoreMethod.class, names = {"TAYLOR", "MOVEMENT"})
    void scoresAreSummedOrAveragedOverExecutorsAndPrunedWeightsStayExactlyZero(ScoreMethod method) {
        Pruner pruner = pruner(method);
        JavaRDD<Example> shards = ShardedExamples.shard(sc.parallelize(DistributedTrainerTest.examples(40)), 2, SEED);
        TrainingState start = PrunedTraining.start(pruner,
                TrainingState.start(TinyEncoders.randomState(SPEC, 4), Set.of()));
        OptimizerSettings optimizer = optimizer();
        StepHook step = pruner.step();
        DistributedTrainer trainer = new DistributedTrainer(sc,
                new Checkpoints(sc.hadoopConfiguration(), run.toString() + method), s -> { });
        DistributedTrainer.Plan plan = new DistributedTrainer.Plan("p", 2, STEPS, BATCH, SEED, 1,
                () -> new LocalTrainer(optimizer, Objective.crossEntropy(), List.of(step)),
                (state, result, round) -> PrunedTraining.decide(pruner, state, result.sums()));

        RoundAverage first = trainer.round(plan, shards, start, 0);
        List<List<Example>> parts = DistributedTrainerTest.byPartition(shards);
        TensorMap expected = null;
        List<TrainingState> replicas = new ArrayList<>();
        for (int p = 0; p < parts.size(); p++) {
            ReplicaResult r = new LocalTrainer(optimizer, Objective.crossEntropy(), List.of(step)).train(start,
                    BatchPlanner.roundBatches(parts.get(p), SEED, p, 0, STEPS, BATCH).iterator(), STEPS);
            replicas.add(r.state());
            expected = expected == null ? r.sums() : expected.addScaled(r.sums(), 1.0);
        }
        for (String key : expected.names()) {
            assertArrayEquals(expected.get(key).data(), first.sums().get(key).data(), key);
        }
        if (method == ScoreMethod.MOVEMENT) {
            String score = MovementStep.SCORE_PREFIX + pruner.slots().get(1).get(0).key();
            // one replica's average is that replica, bit for bit
            TrainingState alone = RoundAverage.of(new ReplicaResult(replicas.get(0), 1, 20, STEPS)).apply(start);
            for (TensorMap[] same : List.of(new TensorMap[] {alone.extra(), replicas.get(0).extra()},
                    new TensorMap[] {alone.firstMoment(), replicas.get(0).firstMoment()},
                    new TensorMap[] {alone.secondMoment(), replicas.get(0).secondMoment()})) {
                assertArrayEquals(same[1].get(score).data(), same[0].get(score).data(), score);
            }
            // two replicas' learned scores and moments are their mean (both shards hold 20 examples)
            TrainingState averaged = first.apply(start);
            for (TensorMap[] pair : List.of(new TensorMap[] {averaged.extra(), replicas.get(0).extra(),
                    replicas.get(1).extra()}, new TensorMap[] {averaged.firstMoment(),
                    replicas.get(0).firstMoment(), replicas.get(1).firstMoment()}, new TensorMap[] {
                    averaged.secondMoment(), replicas.get(0).secondMoment(), replicas.get(1).secondMoment()})) {
                float[] mean = pair[0].get(score).data();
                float[] a = pair[1].get(score).data();
                float[] b = pair[2].get(score).data();
                assertTrue(a[0] != b[0], "replicas trained on different shards");
                for (int i = 0; i < mean.length; i++) {
                    assertEquals((a[i] + b[i]) / 2, mean[i], 1e-6 * Math.max(1, Math.abs(mean[i])), score + i);
                }
            }
        }

        TrainingState end = trainer.fit(plan, shards, start).state();
        TensorMap effective = MaskSet.apply(end.model().weights(), end.masks());
        long masked = 0;
        for (String name : end.masks().names()) {
            float[] m = end.masks().get(name).data();
            float[] w = effective.get(name).data();
            for (int i = 0; i < m.length; i++) {
                if (m[i] == 0) {
                    masked++;
                    assertEquals(0f, w[i], name + "[" + i + "] is pruned");
                }
            }
        }
        assertTrue(masked > 0);
        Tensor q = end.masks().get("layer.0.attention.query.weight");
        assertTrue(MaskSet.sparsity(q) > 0.4, "query matrices lose half their elements and half the heads");
    }
}
