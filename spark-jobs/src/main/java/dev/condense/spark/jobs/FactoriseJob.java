package dev.condense.spark.jobs;

import dev.condense.models.distill.DistillSettings;
import dev.condense.models.distill.DistillationObjective;
import dev.condense.models.encoder.EncoderSpec;
import dev.condense.models.encoder.ParameterNames;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.factor.HardConcrete;
import dev.condense.models.factor.RankBudget;
import dev.condense.models.factor.RankStep;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.shrink.FlopCount;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.io.Checkpoints;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.train.DistributedTrainer;
import dev.condense.spark.train.TrainerFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * {@code factorise}: learned ranks. Each selected encoder matrix of the (shrunk) model becomes the factors of its
 * full SVD with a hard-concrete gate per direction; the factors and gates train over Spark rounds under
 * distillation from the teacher while an L0 budget brings the expected kept values to the target; then the closed
 * directions are cut ({@link Factoriser#applyGates}) and the model is saved to {@code <run>/factorised}, evaluated,
 * and described in its {@code metrics.json}.
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
        String teacherPath = f.teacher().isEmpty() ? run.model(RunLayout.Model.TEACHER) : f.teacher();
        ModelState teacher = ModelStore.load(conf, teacherPath, s);
        ModelState model = ModelStore.load(conf, input, s);
        DistillSettings distill = s.distill();
        if (distill.matchesLayers() && model.spec().hidden() != teacher.spec().hidden()) {
            throw new SettingsException("setting condense.distill.gamma = " + distill.gamma() + " is invalid here: "
                    + "layer distillation needs the student's hidden size (" + model.spec().hidden() + ") to equal "
                    + "the teacher's (" + teacher.spec().hidden() + "); set distill.gamma = 0");
        }
        ModelState gated = Factoriser.factorise(model, fullRanks(model.spec(), f));
        RankBudget budget = budget(gated.spec(), f, ParameterCount.of(teacher).encoderMatrixValues());

        Checkpoints checkpoints = new Checkpoints(conf, run.root());
        checkpoints.bind(STAGE, s.identity(IDENTITY));
        CondenseSettings.Training t = f.training();
        TaskShards.Shards train = TaskShards.train(sc, s, data.train());
        TaskShards.Shards dev = TaskShards.dev(sc, s, data.dev());
        checkpoints.bindData(STAGE, train.digest().toString());
        ClassificationMetrics teacherMetrics = DistributedEvaluator.evaluate(sc, teacher, dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), s.evaluate().engine(),
                "factorise: evaluate teacher");
        log.accept(String.format("factorise: %s, %d gated matrices, target %.3f of the teacher's %,d encoder-matrix "
                        + "values (%.4f of them through the gates); teacher %s at %.4f", input,
                budget.matrices().size(), f.target(), budget.referenceValues(), budget.target(), teacherPath,
                teacherMetrics.accuracy()));

        TrainingState initial = TrainingState.start(gated, t.frozen())
                .withExtra(DistillationObjective.initialExtras(gated.spec(), distill))
                .withExtra(RankStep.initialExtras(gated.spec(), budget, f.initialLogAlpha()));
        Broadcast<byte[]> teacherBytes = sc.broadcast(teacher.toBytes());
        OptimizerSettings optimizer = t.optimizer().withGroups(RankStep.parameterGroups(f.gateLearningRateScale(),
                f.multiplierLearningRate()));
        double initialShare = budget.expectedShare(RankStep.logAlpha(initial.extra(), budget));
        RankStep ranks = new RankStep(budget, t.seed(), initialShare,
                Math.round(f.targetWarmupFraction() * t.totalSteps()));
        TrainerFactory trainers = () -> new LocalTrainer(optimizer, PruneJob.objective(teacherBytes, distill),
                List.of(ranks));
        DistributedTrainer.Plan plan = new DistributedTrainer.Plan(STAGE, t.rounds(), t.localSteps(), t.batchSize(),
                t.seed(), s.spark().threadsPerTask(), trainers, (state, result, round) -> {
                    Map<String, INDArray> logAlpha = RankStep.logAlpha(state.extra(), budget);
                    log.accept(String.format("factorise round %d: expected share %.4f (target now %.4f), kept "
                                    + "share %.4f, λ1 %.3f", round + 1, budget.expectedShare(logAlpha),
                            ranks.targetAt(state.step()),
                            keptShare(logAlpha, budget), state.extra().get(RankStep.LAMBDA1).data()[0]));
                    return state;
                });
        long start = System.nanoTime();
        DistributedTrainer.Outcome outcome = new DistributedTrainer(sc, checkpoints, log)
                .fit(plan, train.examples(), initial);
        teacherBytes.destroy();
        train.examples().unpersist();

        Map<String, INDArray> logAlpha = RankStep.logAlpha(outcome.state().extra(), budget);
        ModelState result = Factoriser.applyGates(outcome.state().model(), logAlpha, budget.gates());
        String output = run.model(RunLayout.Model.FACTORISED);
        ModelStore.save(conf, output, result, s);
        ClassificationMetrics metrics = DistributedEvaluator.evaluate(sc, result, dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), s.evaluate().engine(),
                "factorise: evaluate " + output);
        dev.examples().unpersist();

        ParameterCount counts = ParameterCount.of(ModelStore.load(conf, output));
        Map<String, Object> json = new LinkedHashMap<>(MetricsJson.of(metrics, s.data().labels()));
        json.put("teacher_accuracy", teacherMetrics.accuracy());
        json.put("accuracy_drop_points", 100 * (teacherMetrics.accuracy() - metrics.accuracy()));
        json.put("input", input);
        json.put("encoder_matrix_values", counts.encoderMatrixValues());
        json.put("teacher_encoder_matrix_values", budget.referenceValues());
        json.put("encoder_matrix_share_of_teacher", (double) counts.encoderMatrixValues() / budget.referenceValues());
        json.put("target", f.target());
        json.put("forward_flops_128_tokens", FlopCount.of(result, MetricsJson.FLOP_LENGTH).total());
        json.put("parameters", counts.total());
        json.put("ranks", result.spec().ranks());
        json.put("full_ranks", gated.spec().ranks());
        MetricsJson.addTraining(json, train.count(), s.spark().partitions(), t, outcome.roundLosses(), start);
        MetricsJson.write(conf, RunLayout.metricsIn(output), json);
        log.accept(String.format("factorised dev accuracy %.4f (teacher %.4f, %+.2f points); encoder matrix values "
                        + "%,d = %.1f%% of the teacher's; saved to %s", metrics.accuracy(), teacherMetrics.accuracy(),
                100 * (metrics.accuracy() - teacherMetrics.accuracy()), counts.encoderMatrixValues(),
                100.0 * counts.encoderMatrixValues() / budget.referenceValues(), output));
        return metrics;
    }

    /** Full-rank factors for every selected matrix that is still dense. */
    private static Map<String, Integer> fullRanks(EncoderSpec spec, CondenseSettings.Factorise f) {
        Map<String, Integer> ranks = new TreeMap<>();
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(spec)) {
            if (selected(m, f) && spec.rank(m.name()) == 0) {
                ranks.put(m.name(), (int) Math.min(m.shape()[0], m.shape()[1]));
            }
        }
        return ranks;
    }

    /**
     * The budget over the gated matrices: the target share of the teacher's values, less what the matrices that are
     * not gated keep in full.
     */
    static RankBudget budget(EncoderSpec gated, CondenseSettings.Factorise f, long teacherValues) {
        List<RankBudget.Matrix> matrices = new ArrayList<>();
        long fixed = 0;
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(gated)) {
            long in = m.shape()[0];
            long out = m.shape()[1];
            if (selected(m, f)) {
                matrices.add(new RankBudget.Matrix(m.name(), in, out));
            } else {
                fixed += gated.rank(m.name()) > 0 ? gated.rank(m.name()) * (in + out) : in * out;
            }
        }
        double gatedShare = f.target() - (double) fixed / teacherValues;
        if (matrices.isEmpty() || gatedShare <= 0) {
            throw new SettingsException("setting condense.factorise.target = " + f.target() + " is invalid here: "
                    + "the matrices it does not select already keep " + fixed + " of the teacher's " + teacherValues
                    + " encoder-matrix values" + (matrices.isEmpty() ? ", and it selects none" : ""));
        }
        return new RankBudget(matrices, teacherValues, gatedShare, HardConcrete.DEFAULT);
    }

    private static boolean selected(ParameterNames.Shaped m, CondenseSettings.Factorise f) {
        return f.kinds().contains(MatrixKind.ofWeight(m.name()).orElseThrow());
    }

    /** The share of the reference values the gates would keep if training ended now. */
    private static double keptShare(Map<String, INDArray> logAlpha, RankBudget budget) {
        double kept = 0;
        for (RankBudget.Matrix m : budget.matrices()) {
            kept += (m.in() + m.out()) * Factoriser.keptDirections(logAlpha.get(m.weight()), budget.gates()).length;
        }
        return kept / budget.referenceValues();
    }
}
