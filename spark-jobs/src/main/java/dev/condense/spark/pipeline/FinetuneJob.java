package dev.condense.spark.pipeline;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.Objective;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.io.Checkpoints;
import dev.condense.spark.run.MetricsJson;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.run.Provenance;
import dev.condense.spark.run.RunLayout;
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
 * {@code finetune}: the pretrained encoder with a new head, trained by parameter averaging over the training shards,
 * then saved as the run's teacher ({@code <run>/teacher/model.bin}) and evaluated on the dev set
 * ({@code <run>/teacher/metrics.json}). A classifier is trained with cross-entropy and scored by accuracy; a speech
 * model on transcribed utterances with CTC, scored by word and character error rates.
 */
public final class FinetuneJob {

    public static final String STAGE = "finetune";
    /** The settings this stage's checkpoints are valid for (see {@link Checkpoints#bind}). */
    static final List<String> IDENTITY = List.of("model", "data", "finetune", "spark.partitions");

    private FinetuneJob() {
    }

    /** Runs on the data named by {@code condense.data}: a classification task. */
    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        return run(sc, s, TaskData.files(s), log);
    }

    /** Trains a classifier and reports its dev accuracy. */
    public static ClassificationMetrics run(JavaSparkContext sc, CondenseSettings s, TaskData data,
                                            Consumer<String> log) {
        if (s.data().format().isTranscribed()) {
            throw new IllegalArgumentException("transcribed speech trains a CTC model: use FinetuneJob.transcribe");
        }
        long start = System.nanoTime();
        Trained trained = train(sc, s, data, log);
        TaskShards.Shards dev = trained.dev();
        ClassificationMetrics metrics = DistributedEvaluator.evaluate(sc, trained.model(), dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), s.evaluate().engine(),
                "finetune: evaluate on dev");
        dev.examples().unpersist();
        trained.writeMetrics(sc, s, new LinkedHashMap<>(MetricsJson.of(metrics, s.data().labels())), start);
        log.accept(String.format("dev accuracy %.4f (%d/%d), loss %.4f; teacher saved to %s",
                metrics.accuracy(), metrics.correct(), metrics.count(), metrics.meanLoss(),
                RunLayout.of(s).model(RunLayout.Model.TEACHER)));
        return metrics;
    }

    /**
     * Trains a speech model with a CTC head on transcribed utterances ({@code condense.data.format = transcribed})
     * and reports the word and character error rates of its greedy transcripts on the dev set.
     */
    public static TranscriptionMetrics transcribe(JavaSparkContext sc, CondenseSettings s, Consumer<String> log) {
        if (!s.data().format().isTranscribed()) {
            throw new IllegalArgumentException(s.data().format() + " data are labelled: use FinetuneJob.run");
        }
        long start = System.nanoTime();
        TaskData data = TaskData.files(s);
        Trained trained = train(sc, s, data, log);
        TaskShards.Shards dev = trained.dev();
        TranscriptionMetrics metrics = DistributedEvaluator.transcribe(sc, trained.model(), dev.examples(),
                s.evaluate().batchSize(), s.spark().threadsPerTask(), s.evaluate().engine(),
                "finetune: transcribe dev");
        dev.examples().unpersist();
        trained.writeMetrics(sc, s, new LinkedHashMap<>(MetricsJson.of(metrics)), start);
        for (TranscriptionMetrics.Sample sample : metrics.samples()) {
            log.accept("  reference:  " + sample.reference() + "\n  hypothesis: " + sample.hypothesis());
        }
        log.accept(String.format("dev WER %.4f (%d/%d words), CER %.4f, CTC loss %.4f over %d utterances; model "
                        + "saved to %s", metrics.wordErrorRate(), metrics.words().errors(),
                metrics.words().references(), metrics.characterErrorRate(), metrics.meanLoss(), metrics.utterances(),
                RunLayout.of(s).model(RunLayout.Model.TEACHER)));
        return metrics;
    }

    /** The trained model, saved as the run's teacher, what its training did, and the dev set read before it. */
    private record Trained(ModelState model, long trainExamples, List<Double> roundLosses, TaskShards.Shards dev) {
        void writeMetrics(JavaSparkContext sc, CondenseSettings s, Map<String, Object> json, long start) {
            MetricsJson.addTraining(json, trainExamples, s.spark().partitions(), s.finetune(), roundLosses, start);
            MetricsJson.write(sc.hadoopConfiguration(), RunLayout.of(s).metrics(RunLayout.Model.TEACHER), json);
        }
    }

    private static Trained train(JavaSparkContext sc, CondenseSettings s, TaskData data, Consumer<String> log) {
        Configuration conf = sc.hadoopConfiguration();
        data.check(sc);
        Checkpoints checkpoints = new Checkpoints(conf, RunLayout.of(s).root());
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

        // every row of both sets is parsed and checked before the first step, so a bad dev row cannot end a
        // finished training run without its metrics
        TaskShards.Shards train = TaskShards.train(sc, s, data.train());
        TaskShards.Shards dev = TaskShards.dev(sc, s, data.dev());
        log.accept(String.format("train: %,d examples in %d shards from %s; dev: %,d examples", train.count(),
                s.spark().partitions(), data.train().name(), dev.count()));
        checkpoints.bindData(STAGE, train.digest().toString());
        CondenseSettings.Training f = s.finetune();
        OptimizerSettings optimizer = f.optimizer();
        EncoderSpec spec = pretrained.spec();
        DistributedTrainer.Plan plan = new DistributedTrainer.Plan(STAGE, f.rounds(), f.localSteps(), f.batchSize(),
                f.seed(), s.spark().threadsPerTask(),
                () -> new LocalTrainer(optimizer, Objective.supervised(spec), List.of()),
                DistributedTrainer.RoundHook.NONE);
        DistributedTrainer trainer = new DistributedTrainer(sc, checkpoints, log);
        DistributedTrainer.Outcome outcome = trainer.fit(plan, train.examples(),
                TrainingState.start(pretrained, f.frozen()));
        train.examples().unpersist();
        String teacher = RunLayout.of(s).model(RunLayout.Model.TEACHER);
        ModelStore.save(conf, teacher, outcome.state().model(), s);
        Provenance.of(STAGE, s, List.of(Provenance.parent(conf, "pretrained", s.model().pretrained())),
                train.digest().toString(), f.seed()).write(conf, teacher);
        return new Trained(outcome.state().model(), train.count(), outcome.roundLosses(), dev);
    }
}
