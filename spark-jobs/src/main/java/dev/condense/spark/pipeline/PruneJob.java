package dev.condense.spark.pipeline;

import dev.condense.models.distill.DistillSettings;
import dev.condense.models.distill.DistillationObjective;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.MovementStep;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsityReport;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.ParameterGroup;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.io.Checkpoints;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.run.StepLosses;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.train.DistributedTrainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * {@code prune}: the student starts as a copy of the teacher (or, with {@code prune.student-start = pretrained}, as
 * the pretrained encoder with a new head) and is pruned over Spark rounds while it learns from the teacher
 * (distillation). Movement learns its scores and re-chooses its masks at every step on every executor, and the driver
 * takes the final masks from the averaged scores; for the other methods executors accumulate scores, and the driver
 * sums them and chooses the masks;
 * the masked student is saved to {@code <run>/student/model.bin} with {@code metrics.json} (accuracy against the
 * teacher's, sparsity per matrix and overall, parameter counts, the layer mapping).
 */
public final class PruneJob {

    public static final String STAGE = "prune";
    /** The settings this stage's checkpoints are valid for (see {@link Checkpoints#bind}). */
    static final List<String> IDENTITY = List.of("model", "data", "prune", "distill", "spark.partitions");

    private PruneJob() {
    }

    /** Runs on the TSV files of {@code condense.data}. */
    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log) {
        s.data().requireClassification("prune");
        Configuration conf = sc.hadoopConfiguration();
        RunLayout run = RunLayout.of(s);
        data.check(sc);
        String teacherPath = DistilledTraining.teacherPath(s, s.prune().teacher());
        ModelState teacher = ModelStore.load(conf, teacherPath, s);
        ModelState initialStudent = withLowRank(studentStart(conf, s, teacher, log), s.prune().lowRank(), log);
        Pruner pruner;
        try {
            pruner = new Pruner(s.prune().pruner(), initialStudent.spec());
        } catch (IllegalArgumentException e) {
            throw new SettingsException("setting condense.prune.groups is invalid: " + e.getMessage(), e);
        }
        CondenseSettings.Training t = s.prune().training();
        DistillSettings distill = s.distill();
        DistilledTraining training = new DistilledTraining(sc, s, data, STAGE, IDENTITY, teacherPath, teacher);
        log.accept(String.format("prune: teacher %s, dev accuracy %.4f; %,d train examples, method %s, student "
                        + "starts from the %s", teacherPath, training.teacherMetrics().accuracy(),
                training.trainExamples(), s.prune().pruner().method().settingName(),
                s.prune().studentStart().resolve(s.prune().pruner().method()).name().toLowerCase(Locale.ROOT)));

        TrainingState initial = PrunedTraining.start(pruner, TrainingState.start(initialStudent, t.frozen())
                .withExtra(DistillationObjective.initialExtras(initialStudent.spec(), distill)));
        Map<String, Object> mapping = new LinkedHashMap<>();
        StepLosses stepLosses = new StepLosses(conf, run, STAGE);
        DistributedTrainer.Outcome outcome = training.fit(t, optimizer(s), List.of(pruner.step()),
                (state, result, round) -> {
                    TrainingState masked = PrunedTraining.decide(pruner, state, result.sums());
                    String layers = LayerMapping.describe(result.sums(), distill.teacherLayers());
                    if (!layers.isEmpty()) {
                        mapping.put("round " + (round + 1), layers);
                    }
                    stepLosses.addRound(result.sums(), state.step());
                    log.accept(String.format("prune round %d: encoder sparsity %.3f, mask entries changed %.2f%%%s",
                            round + 1, SparsityReport.of(MaskSet.apply(masked.model().weights(), masked.masks()))
                                    .encoderSparsity(), 100 * MaskSet.churn(state.masks(), masked.masks()),
                            layers.isEmpty() ? "" : ", layers " + layers));
                    return masked;
                }, initial, log);

        TrainingState end = outcome.state();
        ModelState student = MaskSet.prunedModel(end.model(), end.masks());
        List<Provenance.Parent> parents = new ArrayList<>(List.of(Provenance.parent(conf, "teacher", teacherPath)));
        if (s.prune().studentStart().resolve(s.prune().pruner().method()) != CondenseSettings.StudentStart.TEACHER) {
            parents.add(Provenance.parent(conf, "pretrained", s.model().pretrained()));
        }
        DistilledTraining.Saved saved = training.save(student, run.model(RunLayout.Model.STUDENT), parents, t,
                outcome);

        SparsityReport.Result sparsity = SparsityReport.of(student.weights());
        Map<String, Object> json = saved.json();
        json.put("method", s.prune().pruner().method().settingName());
        json.put("distillation", Map.of("alpha", distill.alpha(), "beta", distill.beta(), "gamma", distill.gamma(),
                "temperature", distill.temperature(), "teacher_layers", Arrays.toString(distill.teacherLayers())));
        json.put("encoder_matrix_sparsity", sparsity.encoderSparsity());
        json.put("encoder_matrix_parameters", sparsity.encoderMatrixParameters());
        json.put("encoder_matrix_nonzero", sparsity.encoderMatrixNonZero());
        json.put("parameters", sparsity.totalParameters());
        json.put("nonzero_parameters", sparsity.totalNonZero());
        json.put("sparsity_per_matrix", sparsity.perMatrix());
        json.put("layer_mapping", mapping);
        MetricsJson.write(conf, run.metrics(RunLayout.Model.STUDENT), json);
        ClassificationMetrics metrics = saved.metrics();
        double teacherAccuracy = training.teacherMetrics().accuracy();
        log.accept(String.format("student dev accuracy %.4f (teacher %.4f, %+.2f points), encoder matrix sparsity "
                        + "%.3f; saved to %s/student", metrics.accuracy(), teacherAccuracy,
                100 * (metrics.accuracy() - teacherAccuracy), sparsity.encoderSparsity(), run.root()));
        return metrics;
    }

    /**
     * The student's initial weights: the teacher itself, or {@code condense.model.pretrained} with a new head for
     * the teacher's labels (seeded by the prune stage's seed), which learns the task while it is pruned.
     */
    static ModelState studentStart(Configuration conf, CondenseSettings s, ModelState teacher, Consumer<String> log) {
        ScoreMethod method = s.prune().pruner().method();
        if (s.prune().studentStart().resolve(method) != CondenseSettings.StudentStart.TEACHER) {
            return ModelStore.pretrained(conf, s, teacher.spec().numLabels(), s.prune().training().seed());
        }
        if (method == ScoreMethod.MOVEMENT) {
            log.accept("prune: WARNING hard movement starts from the fine-tuned teacher (prune.student-start = "
                    + "teacher). At a converged teacher the gradients that train the scores have no consistent sign, "
                    + "and the masks remove one-signed blocks of weights together: on SST-2 this collapses to one "
                    + "class (50.92%), in the reference PyTorch code too. Use student-start = pretrained (or auto), "
                    + "or soft-movement.");
        }
        return teacher;
    }

    /** AdamW for the student's weights, with movement's learned scores as a group of their own. */
    static OptimizerSettings optimizer(CondenseSettings s) {
        OptimizerSettings weights = s.prune().training().optimizer();
        if (!s.prune().pruner().method().learned()) {
            return weights;
        }
        return weights.withGroups(List.of(ParameterGroup.peakingAt("movement scores", MovementStep.SCORE_PREFIX,
                s.prune().scoreLearningRate(), weights.schedule())));
    }

    /**
     * LoSparse's starting point when {@code prune.low-rank} is on: the selected matrices become their top-r SVD
     * factors plus full residuals, which the pruning groups then prune.
     */
    static ModelState withLowRank(ModelState student, CondenseSettings.FixedRatio lowRank, Consumer<String> log) {
        Map<String, Integer> ranks = lowRank.ranks(student.spec());
        if (ranks.isEmpty()) {
            return student;
        }
        long start = System.nanoTime();
        ModelState split = Factoriser.lowRankPlusSparse(student, ranks);
        log.accept(String.format("prune: %d matrices split into rank-%s factors plus sparse residuals (LoSparse) in "
                + "%.1f s", ranks.size(), new TreeSet<>(ranks.values()), (System.nanoTime() - start) / 1e9));
        return split;
    }
}
