package dev.condense.models.factor;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.LearningRateSchedule;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.Objective;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.ReplicaResult;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Learning ranks on the tiny encoder: every FFN matrix at full rank, gated, under a budget of 40% of its values. */
class RankStepTest {

    private static final double TARGET = 0.4;

    private static ModelState factorised() {
        EncoderSpec spec = TinyEncoders.spec();
        Map<String, Integer> full = new TreeMap<>();
        for (int l = 0; l < spec.layers(); l++) {
            full.put(ParameterNames.ffnIn(l, "weight"), 8);
            full.put(ParameterNames.ffnOut(l, "weight"), 8);
        }
        return Factoriser.factorise(TinyEncoders.randomState(spec, 51), full);
    }

    private static RankBudget budget(ModelState model) {
        List<RankBudget.Matrix> matrices = new ArrayList<>();
        long reference = 0;
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(model.spec())) {
            if (model.spec().rank(m.name()) > 0) {
                matrices.add(new RankBudget.Matrix(m.name(), m.shape()[0], m.shape()[1]));
                reference += m.shape()[0] * m.shape()[1];
            }
        }
        return new RankBudget(matrices, reference, TARGET, HardConcrete.DEFAULT);
    }

    /**
     * Warm-started gates follow the spectrum: the direction at the uniform rank (80% of an 8×12 matrix's values:
     * rank 3 of 8) starts at the initial log α, stronger ones above it, weaker ones below, clipped; slope 0 is the
     * flat start.
     */
    @Test
    void warmStartedGatesFollowEachDirectionsEnergy() {
        ModelState model = factorised();
        RankBudget forty = budget(model);
        RankBudget budget = new RankBudget(forty.matrices(), forty.referenceValues(), 0.8, forty.gates());
        Map<String, double[]> energies = new TreeMap<>();
        double[] spectrum = {1e6, 100, 10, 4, 2, 1, 0.5, 0};
        budget.matrices().forEach(m -> energies.put(m.weight(), spectrum));
        TensorMap warm = RankStep.initialExtras(model.spec(), budget, 3.0, energies, 1.0);
        int k = Factoriser.rankForParameterFraction(8, 12, 0.8);
        assertEquals(3, k);
        for (RankBudget.Matrix m : budget.matrices()) {
            float[] la = warm.get(RankStep.LOG_ALPHA_PREFIX + m.weight()).data();
            assertEquals(3.0, la[k - 1], 1e-6, "the uniform rank's direction starts where flat gates would");
            assertEquals(3.0 + Math.log(spectrum[k] / spectrum[k - 1]), la[k], 1e-5);
            assertEquals(RankStep.WARM_START_BOUND, la[0], 0.0, "clipped above");
            assertEquals(-RankStep.WARM_START_BOUND, la[7], 0.0, "clipped below, even at zero energy");
            for (int i = 1; i < la.length; i++) {
                assertTrue(la[i] <= la[i - 1]);
            }
        }
        TensorMap flat = RankStep.initialExtras(model.spec(), budget, 3.0, energies, 0);
        assertEquals(0.0, TinyEncoders.maxDiff(flat, RankStep.initialExtras(model.spec(), budget, 3.0)));
    }

    @Test
    void theWarmUpLowersTheTargetLinearlyFromTheInitialShare() {
        RankBudget budget = budget(factorised());
        RankStep ranks = new RankStep(budget, 1, 1.5, 100);
        assertEquals(1.5, ranks.targetAt(0), 1e-12);
        assertEquals(1.5 + (TARGET - 1.5) * 0.25, ranks.targetAt(25), 1e-12);
        assertEquals(TARGET, ranks.targetAt(100), 1e-12);
        assertEquals(TARGET, ranks.targetAt(5000), 1e-12);
        assertEquals(TARGET, new RankStep(budget, 1).targetAt(0), 1e-12, "no warm-up: the target from the start");
    }

    @Test
    void trainingWithTheBudgetBringsTheExpectedShareToTheTargetAndTheCutModelMatchesTheGatedOne() {
        ModelState model = factorised();
        RankBudget budget = budget(model);
        RankStep ranks = new RankStep(budget, 7);
        OptimizerSettings adam = new OptimizerSettings(new LearningRateSchedule(1e-3, 0, 1_000_000), 0.9, 0.999,
                1e-8, 0.0, 0.0, Set.of(), RankStep.parameterGroups(50.0, 0.01));
        LocalTrainer trainer = new LocalTrainer(adam, Objective.crossEntropy(), List.of(ranks));
        TrainingState state = TrainingState.start(model, Set.of())
                .withExtra(RankStep.initialExtras(model.spec(), budget, 3.0));
        double startShare = budget.expectedShare(RankStep.logAlpha(state.extra(), budget));
        assertTrue(startShare > 0.9, "all gates start open: " + startShare);
        Batch batch = TinyEncoders.batch();
        ReplicaResult result = trainer.train(state, Collections.nCopies(400, batch).iterator(), 400);
        double share = budget.expectedShare(RankStep.logAlpha(result.state().extra(), budget));
        assertTrue(share < TARGET + 0.02 && share > TARGET - 0.2, "expected share after 400 steps: " + share);
        assertTrue(result.sums().contains(RankStep.PENALTY));

        Map<String, INDArray> logAlpha = RankStep.logAlpha(result.state().extra(), budget);
        Map<String, int[]> directions = budget.keptDirections(logAlpha);
        ModelState cut = Factoriser.applyGates(result.state().model(), logAlpha, directions, HardConcrete.DEFAULT);
        int kept = cut.spec().ranks().values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(kept < 4 * 8, "closed directions are cut out: " + cut.spec().ranks());
        logAlpha.forEach((name, la) -> assertTrue(Math.max(1, Math.round(HardConcrete.DEFAULT.openProbability(la)
                .sumNumber().doubleValue())) >= cut.spec().rank(name), name + " keeps at most its expected count"));
        assertTrue(valuesOf(budget, directions) <= budget.target() * budget.referenceValues() + 1e-9,
                "the cut model keeps at most the target");

        // the cut model is the gated one with each kept gate at its mean and the others shut
        TransformerEncoder gated = TransformerEncoder.of(result.state().model(), DataType.DOUBLE, Set.of());
        Map<String, INDArray> z = new TreeMap<>();
        logAlpha.forEach((name, la) -> {
            INDArray mean = HardConcrete.DEFAULT.expected(la);
            INDArray shut = mean.mul(0.0);
            for (int i : directions.get(name)) {
                shut.putScalar(i, mean.getDouble(i));
            }
            z.put(name, shut);
        });
        gated.gates(z);
        INDArray expected = gated.forward(batch).logits();
        INDArray actual = TransformerEncoder.of(cut, DataType.DOUBLE, Set.of()).forward(batch).logits();
        assertEquals(0.0, expected.sub(actual).amaxNumber().doubleValue(), 1e-5);
    }

    private static long valuesOf(RankBudget budget, Map<String, int[]> directions) {
        return budget.matrices().stream().mapToLong(m -> (m.in() + m.out()) * directions.get(m.weight()).length).sum();
    }
}
