package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Dropout;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.eval.Evaluator;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.prune.NuclearNorm;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsitySchedule;
import dev.condense.models.prune.TestPruners;
import dev.condense.models.speech.Utterance;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.TensorMap;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalTrainerTest {

    private static OptimizerSettings settings() {
        return new OptimizerSettings(new LearningRateSchedule(1e-2, 2, 20), 0.9, 0.999, 1e-8, 0.01, 1.0, Set.of());
    }

    @Test
    void sameStateAndBatchesGiveBitwiseSameResult() {
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 4), Set.of());
        Batch b = TinyEncoders.batch();
        ReplicaResult one = new LocalTrainer(settings()).train(start, Collections.nCopies(3, b).iterator(), 3);
        ReplicaResult two = new LocalTrainer(settings()).train(start, Collections.nCopies(3, b).iterator(), 3);
        assertEquals(0.0, TinyEncoders.maxDiff(one.state().model().weights(), two.state().model().weights()));
        assertEquals(one.lossSum(), two.lossSum());
        assertEquals(3, one.state().step());
    }

    /**
     * A step's dropout masks follow from its step number and batch: the same run repeats bit for bit, a run resumed
     * from its returned state takes the steps a long run takes, and the masks change what is learned.
     */
    @Test
    void dropoutRepeatsExactlyAcrossRunsAndResumes() {
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 4), Set.of());
        Batch b = TinyEncoders.batch();
        OptimizerSettings dropping = new OptimizerSettings(new LearningRateSchedule(1e-2, 2, 20), 0.9, 0.999, 1e-8,
                0.01, 1.0, Set.of(), List.of(), new Dropout(0.2, 0.2));
        ReplicaResult one = new LocalTrainer(dropping).train(start, Collections.nCopies(4, b).iterator(), 4);
        ReplicaResult two = new LocalTrainer(dropping).train(start, Collections.nCopies(4, b).iterator(), 4);
        assertEquals(0.0, TinyEncoders.maxDiff(one.state().model().weights(), two.state().model().weights()));
        assertEquals(one.lossSum(), two.lossSum());

        ReplicaResult half = new LocalTrainer(dropping).train(start, Collections.nCopies(2, b).iterator(), 2);
        ReplicaResult resumed = new LocalTrainer(dropping).train(half.state(), Collections.nCopies(2, b).iterator(),
                2);
        assertEquals(0.0, TinyEncoders.maxDiff(one.state().model().weights(), resumed.state().model().weights()));

        ReplicaResult plain = new LocalTrainer(settings()).train(start, Collections.nCopies(4, b).iterator(), 4);
        assertTrue(TinyEncoders.maxDiff(one.state().model().weights(), plain.state().model().weights()) > 1e-4);
    }

    @Test
    void repeatedStepsOnOneBatchLowerItsLoss() {
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 4), Set.of());
        Batch b = TinyEncoders.batch();
        LocalTrainer trainer = new LocalTrainer(settings());
        double first = trainer.train(start, Collections.nCopies(1, b).iterator(), 1).lossSum();
        ReplicaResult trained = trainer.train(start, Collections.nCopies(15, b).iterator(), 15);
        double after = trainer.train(trained.state(), Collections.nCopies(1, b).iterator(), 1).lossSum();
        assertTrue(after < 0.5 * first, "loss " + first + " -> " + after);
    }

    /**
     * The CTC objective drives a per-position head to spell each utterance's transcript: after training on three
     * utterances, greedy decoding writes them back exactly and the CTC loss has fallen by a factor of ten.
     */
    @Test
    void ctcStepsTeachAPerPositionHeadToSpellTheTranscripts() {
        EncoderSpec spec = EncoderSpec.speech(new EncoderSpec.Speech(5, 4, true), 16, 8, 2, 2, 6, 4);
        List<Utterance> utterances = List.of(transcribed(13, 1, 2, 3), transcribed(13, 2, 3), transcribed(8, 3, 2));
        Batch batch = Batch.of(utterances, new int[3]);
        TrainingState start = TrainingState.start(TinyEncoders.randomState(spec, 21), Set.of());
        LocalTrainer trainer = new LocalTrainer(new OptimizerSettings(new LearningRateSchedule(3e-2, 0, 150), 0.9,
                0.999, 1e-8, 0, 1.0, Set.of()), Objective.supervised(spec), List.of());
        double first = trainer.train(start, List.of(batch).iterator(), 1).lossSum();
        ReplicaResult trained = trainer.train(start, Collections.nCopies(150, batch).iterator(), 150);
        TranscriptionMetrics metrics = Evaluator.transcribe(
                TransformerEncoder.of(trained.state().model(), DataType.FLOAT, Set.of()), List.of(batch).iterator());
        assertEquals(0.0, metrics.characterErrorRate(), () -> "transcripts " + metrics.samples());
        assertEquals(3, metrics.utterances());
        assertTrue(metrics.lossSum() < 0.1 * first, "CTC loss " + first + " -> " + metrics.lossSum());
    }

    private static Utterance transcribed(int frames, long seed, int... transcript) {
        Utterance u = TinyEncoders.utterance(frames, seed);
        return new Utterance(u.frames(), u.features(), transcript);
    }

    @Test
    void continuingFromAReturnedStateEqualsOneLongRun() {
        TrainingState start = TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 4), Set.of());
        Batch b = TinyEncoders.batch();
        LocalTrainer trainer = new LocalTrainer(settings());
        TrainingState whole = trainer.train(start, Collections.nCopies(4, b).iterator(), 4).state();
        TrainingState half = trainer.train(start, Collections.nCopies(2, b).iterator(), 2).state();
        TrainingState halves = trainer.train(TrainingState.fromBytes(half.toBytes()),
                Collections.nCopies(2, b).iterator(), 2).state();
        assertEquals(0.0, TinyEncoders.maxDiff(whole.model().weights(), halves.model().weights()));
        assertEquals(0.0, TinyEncoders.maxDiff(whole.secondMoment(), halves.secondMoment()));
    }

    /**
     * The nuclear norm's warm-started basis is carried from one step to the next, across the step workspace that
     * every step reopens: several steps run, and the penalty changes what they learn.
     */
    @Test
    void theNuclearNormPenaltyCarriesItsBasisAcrossSteps() {
        ModelState model = TinyEncoders.randomState(TinyEncoders.spec(), 21);
        Pruner.Spec spec = new Pruner.Spec(List.of(new PruneGroup(Set.of(MatrixKind.QUERY, MatrixKind.FFN_IN),
                Set.of(), Granularity.ELEMENT, 0.5, true, Set.of())), ScoreMethod.MAGNITUDE,
                new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1), 0, 0, 0.5, 1,
                new NuclearNorm.Penalty(0.5, 4), 1.0);
        Pruner withPenalty = new Pruner(spec, model.spec());
        Pruner without = TestPruners.oneShot(spec.groups(), ScoreMethod.MAGNITUDE, model.spec());
        TrainingState start = PrunedTraining.start(withPenalty, TrainingState.start(model, Set.of()));
        Batch b = TinyEncoders.batch();
        TrainingState penalised = new LocalTrainer(settings(), Objective.crossEntropy(), List.of(withPenalty.step()))
                .train(start, Collections.nCopies(4, b).iterator(), 4).state();
        TrainingState plain = new LocalTrainer(settings(), Objective.crossEntropy(), List.of(without.step()))
                .train(start, Collections.nCopies(4, b).iterator(), 4).state();
        String ffnIn = ParameterNames.ffnIn(1, "weight");
        assertTrue(TinyEncoders.maxDiff(penalised.model().weights(), plain.model().weights()) > 1e-4);
        assertTrue(NuclearNorm.exact(NdArrays.fromTensor(penalised.model().weights().get(ffnIn), DataType.DOUBLE))
                < NuclearNorm.exact(NdArrays.fromTensor(plain.model().weights().get(ffnIn), DataType.DOUBLE)));
    }

    @Test
    void withPrunedHiddenDimensionsTrainingIgnoresTheirEmbeddingColumns() {
        EncoderSpec spec = TinyEncoders.spec();
        Pruner pruner = TestPruners.oneShot(TestPruners.hidden(0.5), ScoreMethod.L2, spec);
        TrainingState start = PrunedTraining.start(pruner,
                TrainingState.start(TinyEncoders.randomState(spec, 4), Set.of()));
        float[] keep = MaskSet.hiddenKeep(start.masks()).orElseThrow().data();
        TensorMap perturbed = start.model().weights().copy();
        float[] word = perturbed.get(ParameterNames.WORD_EMBEDDINGS).data();
        for (int i = 0; i < word.length; i++) {
            word[i] += keep[i % spec.hidden()] == 0f ? 50f : 0f;
        }
        TrainingState other = new TrainingState(new ModelState(spec, perturbed), start.extra(), start.firstMoment(),
                start.secondMoment(), start.scores(), start.masks(), start.step());

        LocalTrainer trainer = new LocalTrainer(settings(), Objective.crossEntropy(), List.of(pruner.step()));
        Batch b = TinyEncoders.batch();
        double loss = trainer.train(start, Collections.nCopies(3, b).iterator(), 3).lossSum();
        double lossPerturbed = trainer.train(other, Collections.nCopies(3, b).iterator(), 3).lossSum();
        assertEquals(loss, lossPerturbed, 1e-9 * Math.abs(loss));
    }
}
