package dev.condense.spark.pipeline;

import dev.condense.models.distill.DistillSettings;
import dev.condense.models.distill.DistillationObjective;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.factor.InputMoments;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.Objective;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.eval.DistributedMoments;
import dev.condense.spark.io.Checkpoints;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.train.DistributedTrainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What {@code prune} and {@code factorise} share: a student trained over Spark rounds under distillation from a
 * teacher that every executor JVM holds once, between an evaluation of the teacher before and of the saved student
 * after. A stage brings its starting state, optimizer, step hooks and round hook; this does the rest the same way for
 * both: checkpoints bound to the stage's settings and data, the shards, the teacher's dev accuracy and broadcast, the
 * replicas' trainers, the save with its provenance, the student's evaluation and the common part of its
 * {@code metrics.json}.
 */
final class DistilledTraining {

    private final JavaSparkContext sc;
    private final CondenseSettings s;
    private final String stage;
    private final String teacherPath;
    private final ModelState teacher;
    private final Checkpoints checkpoints;
    private final TaskShards.Shards train;
    private final TaskShards.Shards dev;
    private final ClassificationMetrics teacherMetrics;
    private final long start = System.nanoTime();

    /** What a saved student measured: its dev metrics and the metrics.json fields every such stage writes. */
    record Saved(ClassificationMetrics metrics, Map<String, Object> json) {
    }

    /**
     * Binds the stage's checkpoints to its settings and data, shards both data sets and evaluates the teacher: the
     * work before the first round.
     *
     * @param identity the settings the stage's checkpoints are valid for
     */
    DistilledTraining(JavaSparkContext sc, CondenseSettings s, TaskData data, String stage, List<String> identity,
                      String teacherPath, ModelState teacher) {
        this.sc = sc;
        this.s = s;
        this.stage = stage;
        this.teacherPath = teacherPath;
        this.teacher = teacher;
        checkpoints = new Checkpoints(sc.hadoopConfiguration(), RunLayout.of(s).root());
        checkpoints.bind(stage, s.identity(identity));
        train = TaskShards.train(sc, s, data.train());
        dev = TaskShards.dev(sc, s, data.dev());
        checkpoints.bindData(stage, train.digest().toString());
        teacherMetrics = evaluate(teacher, stage + ": evaluate teacher");
    }

    /** {@code setting} when it names a teacher, otherwise the run's own. */
    static String teacherPath(CondenseSettings s, String setting) {
        return setting.isEmpty() ? RunLayout.of(s).model(RunLayout.Model.TEACHER) : setting;
    }

    String teacherPath() {
        return teacherPath;
    }

    ClassificationMetrics teacherMetrics() {
        return teacherMetrics;
    }

    long trainExamples() {
        return train.count();
    }

    /** The second moments of {@code weights}' inputs in {@code model}, over about {@code examples} training rows. */
    InputMoments inputMoments(ModelState model, List<String> weights, int examples) {
        return DistributedMoments.of(sc, model, train.examples(), weights, examples, s.evaluate().batchSize(),
                s.spark().threadsPerTask());
    }

    /**
     * Trains from {@code initial} for {@code t}'s rounds, every replica with the stage's optimizer and step hooks
     * under the distillation loss; the teacher's broadcast lives for the rounds only.
     */
    DistributedTrainer.Outcome fit(CondenseSettings.Training t, OptimizerSettings optimizer, List<StepHook> hooks,
                                   DistributedTrainer.RoundHook onRound, TrainingState initial,
                                   Consumer<String> log) {
        Broadcast<byte[]> teacherBytes = sc.broadcast(teacher.toBytes());
        DistillSettings distill = s.distill();
        DistributedTrainer.Plan plan = new DistributedTrainer.Plan(stage, t.rounds(), t.localSteps(), t.batchSize(),
                t.seed(), s.spark().threadsPerTask(),
                () -> new LocalTrainer(optimizer, objective(teacherBytes, distill), hooks), onRound);
        try {
            return new DistributedTrainer(sc, checkpoints, log).fit(plan, train.examples(), initial);
        } finally {
            teacherBytes.destroy();
            train.examples().unpersist();
        }
    }

    /**
     * Saves the student to {@code output} with its provenance, evaluates it on the dev set, and returns its metrics
     * with the fields every distilled stage writes: its accuracy against the teacher's and how it trained.
     */
    Saved save(ModelState student, String output, List<Provenance.Parent> parents, CondenseSettings.Training t,
               DistributedTrainer.Outcome outcome) {
        Configuration conf = sc.hadoopConfiguration();
        ModelStore.save(conf, output, student, s);
        Provenance.of(stage, s, parents, train.digest().toString(), t.seed()).write(conf, output);
        ClassificationMetrics metrics = evaluate(student, stage + ": evaluate " + output);
        dev.examples().unpersist();
        Map<String, Object> json = new LinkedHashMap<>(MetricsJson.of(metrics, s.data().labels()));
        json.put("teacher_accuracy", teacherMetrics.accuracy());
        json.put("accuracy_drop_points", 100 * (teacherMetrics.accuracy() - metrics.accuracy()));
        MetricsJson.addTraining(json, train.count(), s.spark().partitions(), t, outcome.roundLosses(), start);
        return new Saved(metrics, json);
    }

    private ClassificationMetrics evaluate(ModelState model, String description) {
        return DistributedEvaluator.evaluate(sc, model, dev.examples(), s.evaluate().batchSize(),
                s.spark().threadsPerTask(), s.evaluate().engine(), description);
    }

    /** Built on the executor, around the JVM's one engine of the broadcast teacher ({@link SharedTeacher}). */
    static Objective objective(Broadcast<byte[]> teacherBytes, DistillSettings distill) {
        if (distill.beta() == 0 && distill.gamma() == 0) {
            return Objective.crossEntropy();
        }
        return new DistillationObjective(SharedTeacher.of(teacherBytes), distill);
    }
}
