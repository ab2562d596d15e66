package dev.condense.spark.jobs;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.io.Checkpoints;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.train.DistributedTrainer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@code finetune}: the pretrained encoder with a new classifier head, trained by parameter averaging over the
 * training shards, then saved as the run's teacher ({@code <run>/teacher/model.bin}) and evaluated on the dev set
 * ({@code <run>/teacher/metrics.json}).
 */
public final class FinetuneJob {

    public static final String STAGE = "finetune";
    /** The settings this stage's checkpoints are valid for (see {@link Checkpoints#bind}). */
    static final List<String> IDENTITY = List.of("model", "data", "finetune", "spark.partitions");

    private FinetuneJob() {
    }

    /** Runs on the TSV files of {@code condense.data}. */
    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log) {
        long start = System.nanoTime();
        Configuration conf = sc.hadoopConfiguration();
        data.check(sc);
        String runDir = s.run().directory();
        Checkpoints checkpoints = new Checkpoints(conf, runDir);
        checkpoints.bind(STAGE, s.identity(IDENTITY));
        ModelState pretrained = ModelStore.pretrained(conf, s, s.data().labels().size(),
                s.finetune().seed());
        for (String name : s.finetune().frozen()) {
            if (!pretrained.weights().contains(name)) {
                throw new SettingsException("setting condense.finetune.frozen names '" + name
                        + "', which is not a weight of the model; weights are named like embeddings.word, "
                        + "layer.0.attention.query.weight, classifier.bias");
            }
        }

        TaskShards.Shards train = TaskShards.train(sc, s, data.train());
        log.accept(String.format("train: %,d examples in %d shards from %s", train.count(), s.spark().partitions(),
                data.train().name()));
        CondenseSettings.Training f = s.finetune();
        dev.condense.models.train.OptimizerSettings optimizer = f.optimizer();
        DistributedTrainer.Plan plan = new DistributedTrainer.Plan(STAGE, f.rounds(), f.localSteps(), f.batchSize(),
                f.seed(), s.spark().threadsPerTask(), () -> new dev.condense.models.train.LocalTrainer(optimizer),
                DistributedTrainer.RoundHook.NONE);
        DistributedTrainer trainer = new DistributedTrainer(sc, checkpoints, log);
        DistributedTrainer.Outcome outcome = trainer.fit(plan, train.examples(),
                TrainingState.start(pretrained, f.frozen()));
        train.examples().unpersist();
        ModelStore.save(conf, runDir + "/teacher", outcome.state().model());

        TaskShards.Shards dev = TaskShards.dev(sc, s, data.dev());
        ClassificationMetrics metrics = DistributedEvaluator.evaluate(sc, outcome.state().model(), dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), "finetune: evaluate on dev");
        dev.examples().unpersist();

        Map<String, Object> json = new LinkedHashMap<>(MetricsJson.of(metrics, s.data().labels()));
        MetricsJson.addTraining(json, train.count(), s.spark().partitions(), f, outcome.roundLosses(), start);
        MetricsJson.write(conf, runDir + "/teacher/metrics.json", json);
        log.accept(String.format("dev accuracy %.4f (%d/%d), loss %.4f; teacher saved to %s/teacher",
                metrics.accuracy(), metrics.correct(), metrics.count(), metrics.meanLoss(), runDir));
        return metrics;
    }
}
