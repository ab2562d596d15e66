package dev.condense.models.prune;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.AdamW;
import dev.condense.models.train.CrossEntropy;
import dev.condense.models.train.LearningRateSchedule;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.ParameterGroup;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Learned movement scores on the tiny encoder (2 layers, hidden 8, 2 heads of 4, FFN 12). */
class MovementStepTest {

    private static final EncoderSpec SPEC = TinyEncoders.spec();
    private static final String VALUE = ParameterNames.value(0, "weight");

    private static Pruner pruner(ScoreMethod method, PruneGroup group, SparsitySchedule schedule, double lambda) {
        return new Pruner(new Pruner.Spec(List.of(group), method, schedule, 0, lambda, 0.1, 0), SPEC);
    }

    private static PruneGroup values(double sparsity) {
        return new PruneGroup(Set.of(MatrixKind.VALUE), Set.of(0), Granularity.ELEMENT, sparsity, false, Set.of());
    }

    private static final SparsitySchedule AT_ONCE = new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1);

    /** A replica's view: the engine, its extras as arrays, and the hook's session on them. */
    private record Replica(TransformerEncoder encoder, Map<String, INDArray> extras, StepHook.Session session) {

        static Replica of(Pruner pruner, long seed, DataType engineType) {
            TrainingState state = PrunedTraining.start(pruner,
                    TrainingState.start(TinyEncoders.randomState(SPEC, seed), Set.of()));
            TransformerEncoder encoder = TransformerEncoder.of(state.model(), engineType, Set.of());
            Map<String, INDArray> extras = new LinkedHashMap<>();
            state.extra().asMap().forEach((n, t) -> extras.put(n, NdArrays.fromTensor(t, DataType.FLOAT)));
            return new Replica(encoder, extras, pruner.step().start(state, encoder));
        }

        StepHook.Step step(long number) {
            return new StepHook.Step(encoder, extras, number, 2);
        }

        INDArray score(Pruner pruner) {
            return extras.get(MovementStep.scoreName(pruner.slots().get(0).get(0)));
        }

        /** Scores drawn uniformly from [0, 1), so that no two tie. */
        Replica withRandomScores(Pruner pruner) {
            INDArray score = score(pruner);
            score.assign(Nd4j.rand(DataType.FLOAT, score.shape()));
            return this;
        }

        /** Masks for step {@code number}, forward, mean cross-entropy, backward, the hook's gradients. */
        Map<String, INDArray> gradients(long number) {
            session.beforeForward(step(number));
            Batch batch = TinyEncoders.batch();
            ForwardPass pass = encoder.forward(batch);
            Map<String, INDArray> grads = encoder.backward(pass,
                    CrossEntropy.of(pass.logits(), batch.labels(), 1.0 / batch.size()).dLogits(), Map.of());
            session.afterBackward(step(number), grads);
            return grads;
        }
    }

    /**
     * ∂L/∂S is ∂L/∂m of the mask relaxed to a number (the straight-through estimate), at kept and at pruned positions
     * alike: checked against central differences of the mean cross-entropy in double precision.
     */
    @Test
    void theScoreGradientIsTheLossGradientWithRespectToTheMaskAtKeptAndPrunedPositions() {
        Pruner pruner = pruner(ScoreMethod.MOVEMENT, values(0.5), AT_ONCE, 0);
        Replica replica = Replica.of(pruner, 5, DataType.FLOAT).withRandomScores(pruner);
        INDArray dScore = replica.gradients(1).get(MovementStep.scoreName(pruner.slots().get(0).get(0)));
        INDArray mask = masks(replica).get(VALUE);
        INDArray dense = replica.session().optimizedWeights().get(VALUE);
        int kept = -1;
        int pruned = -1;
        for (int i = 0; i < mask.length(); i++) {
            if (mask.getDouble(i) == 0 && pruned < 0) {
                pruned = i;
            } else if (mask.getDouble(i) == 1 && kept < 0) {
                kept = i;
            }
        }
        assertTrue(kept >= 0 && pruned >= 0);
        TransformerEncoder exact = TransformerEncoder.of(TinyEncoders.randomState(SPEC, 5), DataType.DOUBLE, Set.of());
        INDArray denseWeight = dense.castTo(DataType.DOUBLE);
        for (int i : new int[] {kept, pruned}) {
            double eps = 1e-4;
            double plus = meanLoss(exact, denseWeight, mask.castTo(DataType.DOUBLE), i, eps);
            double minus = meanLoss(exact, denseWeight, mask.castTo(DataType.DOUBLE), i, -eps);
            double numeric = (plus - minus) / (2 * eps);
            assertEquals(numeric, dScore.getDouble(i), 1e-4 * Math.max(1, Math.abs(numeric)), "position " + i);
            assertTrue(Math.abs(numeric) > 1e-6, "a gradient worth checking at " + i);
        }
        assertEquals(0.0, replica.gradients(2).get(VALUE).getDouble(pruned), 0.0, "a pruned weight's gradient");
    }

    private static double meanLoss(TransformerEncoder engine, INDArray dense, INDArray mask, int i, double delta) {
        INDArray m = mask.dup();
        m.putScalar(i, m.getDouble(i) + delta);
        engine.weights().get(VALUE).assign(dense.mul(m.reshape(dense.shape())));
        Batch batch = TinyEncoders.batch();
        return CrossEntropy.of(engine.forward(batch).logits(), batch.labels(), 1.0).lossSum() / batch.size();
    }

    @Test
    void aScorePushedAboveTheCutChangesTheNextStepsMask() {
        Pruner pruner = pruner(ScoreMethod.MOVEMENT, values(0.75), AT_ONCE, 0);
        Replica replica = Replica.of(pruner, 6, DataType.FLOAT);
        INDArray score = replica.score(pruner);
        float[] s = new float[(int) score.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = i; // the top quarter, 48..63, is kept
        }
        score.assign(Nd4j.createFromArray(s).reshape(score.shape()));
        replica.gradients(1);
        INDArray mask = masks(replica).get(VALUE);
        assertEquals(16.0, mask.sumNumber().doubleValue());
        assertEquals(0.0, mask.getDouble(0));
        assertEquals(1.0, mask.getDouble(48));

        score.putScalar(0, 100f);
        replica.gradients(2);
        mask = masks(replica).get(VALUE);
        assertEquals(16.0, mask.sumNumber().doubleValue(), "still exactly a quarter");
        assertEquals(1.0, mask.getDouble(0), "the pushed score is now kept");
        assertEquals(0.0, mask.getDouble(48), "the lowest of the previous top quarter goes");
    }

    /**
     * Scores trained by Adam on the straight-through gradient: half of a matrix's weights get gradients that move
     * them away from zero, the other half toward it; at 50% the first half is kept and the second pruned.
     */
    @Test
    void aWeightTrainingMovesAwayFromZeroIsKeptAndOneMovedTowardZeroIsPruned() {
        Pruner pruner = pruner(ScoreMethod.MOVEMENT, values(0.5),
                new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 20, 20, 1, 1), 0);
        Replica replica = Replica.of(pruner, 7, DataType.FLOAT);
        String scoreName = MovementStep.scoreName(pruner.slots().get(0).get(0));
        LearningRateSchedule schedule = new LearningRateSchedule(1e-4, 0, 1000);
        AdamW adam = new AdamW(new OptimizerSettings(schedule, 0.9, 0.999, 1e-8, 0, 0, Set.of(),
                List.of(ParameterGroup.peakingAt("scores", MovementStep.SCORE_PREFIX, 1e-2, schedule))));
        INDArray w = replica.session().optimizedWeights().get(VALUE);
        int n = (int) w.length();
        Map<String, INDArray> m = new HashMap<>(Map.of(scoreName, Nd4j.zeros(DataType.FLOAT, 8, 8)));
        Map<String, INDArray> v = new HashMap<>(Map.of(scoreName, Nd4j.zeros(DataType.FLOAT, 8, 8)));
        for (long step = 1; step <= 20; step++) {
            replica.session().beforeForward(replica.step(step));
            INDArray g = Nd4j.zeros(DataType.FLOAT, 8, 8);
            for (int i = 0; i < n; i++) {
                double sign = Math.signum(w.getDouble(i));
                g.putScalar(i, i < n / 2 ? -sign : sign); // descent: first half grows in size, second half shrinks
            }
            Map<String, INDArray> grads = new HashMap<>(Map.of(VALUE, g));
            replica.session().afterBackward(replica.step(step), grads);
            adam.step(Map.of(scoreName, replica.extras().get(scoreName)), Map.of(scoreName, grads.get(scoreName)),
                    m, v, step);
        }
        replica.session().beforeForward(replica.step(21));
        INDArray mask = masks(replica).get(VALUE);
        for (int i = 0; i < n; i++) {
            assertEquals(i < n / 2 ? 1.0 : 0.0, mask.getDouble(i), "weight " + i);
        }
    }

    @Test
    void softMovementPrunesNothingWhileTheThresholdIsZeroAndItsPenaltyScalesWithTheThreshold() {
        double lambda = 8;
        Pruner pruner = pruner(ScoreMethod.SOFT_MOVEMENT, values(0),
                new SparsitySchedule(SparsitySchedule.Kind.LINEAR, 10, 20, 1, 1), lambda);
        Replica replica = Replica.of(pruner, 8, DataType.FLOAT);
        String scoreName = MovementStep.scoreName(pruner.slots().get(0).get(0));
        INDArray score = replica.score(pruner);
        score.assign(-5); // σ(−5) ≈ 0.0067, far below any threshold but 0
        score.putScalar(0, 3);

        INDArray before = replica.gradients(10).get(scoreName).dup();
        assertEquals(64.0, masks(replica).get(VALUE).sumNumber().doubleValue(), "τ = 0: everything is kept");
        INDArray straightThrough = straightThrough(replica);
        assertEquals(0.0, before.sub(straightThrough).amaxNumber().doubleValue(), 1e-7, "λ = 0 while τ = 0");

        INDArray half = replica.gradients(15).get(scoreName).dup(); // f = 0.5: τ = 0.05, λ_t = 4
        INDArray mask = masks(replica).get(VALUE);
        assertEquals(1.0, mask.sumNumber().doubleValue(), "only σ(3) > 0.05");
        assertEquals(1.0, mask.getDouble(0));
        INDArray penalty = half.sub(straightThrough(replica));
        double sig = 1 / (1 + Math.exp(5));
        assertEquals(lambda * 0.5 / 64 * sig * (1 - sig), penalty.getDouble(1), 1e-9);
        double sig0 = 1 / (1 + Math.exp(-3));
        assertEquals(lambda * 0.5 / 64 * sig0 * (1 - sig0), penalty.getDouble(0), 1e-8);
    }

    /** ∂L/∂(w·m)·w from the last step's engine gradient, recomputed outside the hook. */
    private static INDArray straightThrough(Replica replica) {
        Batch batch = TinyEncoders.batch();
        ForwardPass pass = replica.encoder().forward(batch);
        INDArray g = replica.encoder().backward(pass,
                CrossEntropy.of(pass.logits(), batch.labels(), 1.0 / batch.size()).dLogits(), Map.of()).get(VALUE);
        return g.mul(replica.session().optimizedWeights().get(VALUE));
    }

    /** The masks the session used for its last forward pass: where the engine's weight is 0 and the dense one not. */
    private static Map<String, INDArray> masks(Replica replica) {
        INDArray engine = replica.encoder().weights().get(VALUE);
        INDArray dense = replica.session().optimizedWeights().get(VALUE);
        INDArray mask = Nd4j.ones(DataType.FLOAT, engine.shape());
        for (int i = 0; i < engine.length(); i++) {
            if (engine.getDouble(i) == 0 && dense.getDouble(i) != 0) {
                mask.putScalar(i, 0);
            }
        }
        return Map.of(VALUE, mask);
    }

    /** The driver's mask from the averaged scores is the replicas' rule applied to them. */
    @Test
    void theDriverChoosesTheSameMaskFromTheScoresAsAReplicaWould() {
        Pruner pruner = pruner(ScoreMethod.MOVEMENT, values(0.5), AT_ONCE, 0);
        Replica replica = Replica.of(pruner, 9, DataType.FLOAT).withRandomScores(pruner);
        replica.gradients(1);
        TensorMap extras = new TensorMap();
        replica.extras().forEach((n, a) -> extras.put(n, NdArrays.toTensor(a)));
        TrainingState state = TrainingState.start(TinyEncoders.randomState(SPEC, 9), Set.of());
        Pruner.Decision d = pruner.decide(state.model().weights(), extras, new TensorMap(), new TensorMap(), 1);
        INDArray expected = masks(replica).get(VALUE);
        assertEquals(0.0, NdArrays.fromTensor(d.masks().get(VALUE), DataType.FLOAT).sub(expected).amaxNumber()
                .doubleValue(), 0.0);
    }
}
