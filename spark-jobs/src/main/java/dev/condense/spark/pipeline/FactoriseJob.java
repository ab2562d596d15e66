package dev.condense.spark.pipeline;

import dev.condense.models.distill.DistillSettings;
import dev.condense.models.distill.DistillationObjective;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.factor.InputMoments;
import dev.condense.models.factor.RankBudget;
import dev.condense.models.factor.RankStep;
import dev.condense.models.shrink.FlopCount;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.train.DistributedTrainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code factorise}: learned ranks. Each selected encoder matrix of the (shrunk) model becomes full-rank factors in
 * the configured basis (its outputs' directions on the training data, or its singular vectors) with a hard-concrete
 * gate per direction, warm-started from the direction's energy; the factors and gates train over Spark rounds under
 * distillation from the teacher while an L0 budget holds the expected kept values under the target; then the closed
 * directions are cut ({@link Factoriser#applyGates}), factors no smaller than their dense matrix are multiplied back
 * into it ({@link Factoriser#multiplyOutLargeFactors}), and the model is saved to {@code <run>/factorised},
 * evaluated, and described in its {@code metrics.json}.
 */
public final class FactoriseJob {

    public static final String STAGE = "factorise";
    static final List<String> IDENTITY = List.of("model", "data", "prune", "shrink", "factorise", "distill",
            "spark.partitions");

    private FactoriseJob() {
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log) {
        s.data().requireClassification("factorise");
        Configuration conf = sc.hadoopConfiguration();
        RunLayout run = RunLayout.of(s);
        CondenseSettings.Factorise f = s.factorise();
        data.check(sc);
        String input = f.model().isEmpty() ? run.model(RunLayout.Model.COMPRESSED) : f.model();
        String teacherPath = DistilledTraining.teacherPath(s, f.teacher());
        ModelState teacher = ModelStore.load(conf, teacherPath, s);
        ModelState model = ModelStore.load(conf, input, s);
        DistillSettings distill = s.distill();
        if (distill.matchesLayers() && model.spec().hidden() != teacher.spec().hidden()) {
            throw new SettingsException("setting condense.distill.gamma = " + distill.gamma() + " is invalid here: "
                    + "layer distillation needs the student's hidden size (" + model.spec().hidden() + ") to equal "
                    + "the teacher's (" + teacher.spec().hidden() + "); set distill.gamma = 0");
        }
        Map<String, Integer> fullRanks = Factoriser.fullRanks(model.spec(), f.kinds());
        RankBudget budget = budget(Factoriser.withRanks(model.spec(), fullRanks), f,
                ParameterCount.of(teacher).encoderMatrixValues());

        CondenseSettings.Training t = f.training();
        DistilledTraining training = new DistilledTraining(sc, s, data, STAGE, IDENTITY, teacherPath, teacher);
        ClassificationMetrics teacherMetrics = training.teacherMetrics();
        Factoriser.Factorised factorised = factorise(model, fullRanks, f, training, log);
        ModelState gated = factorised.model();
        log.accept(String.format("factorise: %s, %d gated matrices, target %.3f of the teacher's %,d encoder-matrix "
                        + "values (%.4f of them through the gates); teacher %s at %.4f", input,
                budget.matrices().size(), f.target(), budget.referenceValues(), budget.target(), teacherPath,
                teacherMetrics.accuracy()));

        TrainingState initial = TrainingState.start(gated, t.frozen())
                .withExtra(DistillationObjective.initialExtras(gated.spec(), distill))
                .withExtra(RankStep.initialExtras(gated.spec(), budget, f.initialLogAlpha(), factorised.energies(),
                        f.warmStartSlope()));
        OptimizerSettings optimizer = t.optimizer().withGroups(RankStep.parameterGroups(f.gateLearningRateScale(),
                f.multiplierLearningRate()));
        double initialShare = budget.expectedShare(RankStep.logAlpha(initial.extra(), budget));
        RankStep ranks = new RankStep(budget, t.seed(), initialShare,
                Math.round(f.targetWarmupFraction() * t.totalSteps()));
        DistributedTrainer.Outcome outcome = training.fit(t, optimizer, List.of(ranks),
                (state, result, round) -> {
                    Map<String, INDArray> logAlpha = RankStep.logAlpha(state.extra(), budget);
                    log.accept(String.format("factorise round %d: expected share %.4f (target now %.4f), kept "
                                    + "share %.4f, λ1 %.3f", round + 1, budget.expectedShare(logAlpha),
                            ranks.targetAt(state.step()),
                            budget.keptShare(logAlpha), state.extra().get(RankStep.LAMBDA1).data()[0]));
                    return state;
                }, initial, log);

        Map<String, INDArray> logAlpha = RankStep.logAlpha(outcome.state().extra(), budget);
        ModelState cut = Factoriser.applyGates(outcome.state().model(), logAlpha, budget.keptDirections(logAlpha),
                budget.gates());
        ModelState result = Factoriser.multiplyOutLargeFactors(cut);
        List<String> multipliedOut = cut.spec().ranks().keySet().stream()
                .filter(w -> result.spec().rank(w) == 0).toList();
        if (!multipliedOut.isEmpty()) {
            log.accept("factorise: dense again, their factors being no smaller: " + multipliedOut);
        }
        String output = run.model(RunLayout.Model.FACTORISED);
        DistilledTraining.Saved saved = training.save(result, output, List.of(Provenance.parent(conf, "model", input),
                Provenance.parent(conf, "teacher", teacherPath)), t, outcome);
        ClassificationMetrics metrics = saved.metrics();

        ParameterCount counts = ParameterCount.of(ModelStore.load(conf, output));
        Map<String, Object> json = saved.json();
        json.put("input", input);
        json.put("encoder_matrix_values", counts.encoderMatrixValues());
        json.put("teacher_encoder_matrix_values", budget.referenceValues());
        json.put("encoder_matrix_share_of_teacher", (double) counts.encoderMatrixValues() / budget.referenceValues());
        json.put("target", f.target());
        json.put("basis", f.basis().key());
        json.put("forward_flops_128_tokens", FlopCount.of(result, MetricsJson.FLOP_LENGTH).total());
        json.put("parameters", counts.total());
        json.put("ranks", result.spec().ranks());
        json.put("dense_again", multipliedOut);
        json.put("full_ranks", gated.spec().ranks());
        MetricsJson.write(conf, RunLayout.metricsIn(output), json);
        log.accept(String.format("factorised dev accuracy %.4f (teacher %.4f, %+.2f points); encoder matrix values "
                        + "%,d = %.1f%% of the teacher's; saved to %s", metrics.accuracy(), teacherMetrics.accuracy(),
                100 * (metrics.accuracy() - teacherMetrics.accuracy()), counts.encoderMatrixValues(),
                100.0 * counts.encoderMatrixValues() / budget.referenceValues(), output));
        return metrics;
    }

    /** The model at full rank in the configured basis, with each direction's energy for the gates' warm start. */
    private static Factoriser.Factorised factorise(ModelState model, Map<String, Integer> fullRanks,
                                                   CondenseSettings.Factorise f, DistilledTraining training,
                                                   Consumer<String> log) {
        if (f.basis() == CondenseSettings.Basis.WEIGHTS) {
            return Factoriser.inWeightBasis(model, fullRanks);
        }
        long start = System.nanoTime();
        InputMoments moments = training.inputMoments(model, List.copyOf(fullRanks.keySet()), f.basisExamples());
        Factoriser.Factorised factorised = Factoriser.inOutputBasis(model, fullRanks, moments);
        log.accept(String.format("factorise: output basis of %d matrices from %,d tokens of at most %,d training examples "
                + "(%.0f s)", fullRanks.size(), moments.tokens(), f.basisExamples(), (System.nanoTime() - start) / 1e9));
        return factorised;
    }

    /** The budget of {@link RankBudget#over}, its refusal reported as the setting that asked for it. */
    static RankBudget budget(EncoderSpec gated, CondenseSettings.Factorise f, long teacherValues) {
        try {
            return RankBudget.over(gated, f.kinds(), f.target(), teacherValues);
        } catch (IllegalArgumentException e) {
            throw new SettingsException("setting condense.factorise.target = " + f.target() + " is invalid here: "
                    + e.getMessage(), e);
        }
    }
}
