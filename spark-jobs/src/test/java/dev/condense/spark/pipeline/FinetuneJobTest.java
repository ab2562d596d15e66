package dev.condense.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.data.TaskData;
import dev.condense.spark.eval.DistributedEvaluator;
import dev.condense.spark.run.ModelStore;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real teacher on real SST-2 rows through the whole {@code finetune} and {@code evaluate} jobs: a few rounds
 * over two shards must lower the loss on those rows, and the model and metrics must land in the run directory.
 */
class FinetuneJobTest {

    private static JavaSparkContext sc;

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    @Test
    void fewRoundsOnRealSst2LowerTheLossAndWriteModelAndMetrics() throws Exception {
        Path subset = SparkTestSession.sst2Rows(dir.resolve("sst2-256.tsv"), 0, 256);
        List<String> overrides = List.of(
                "data.train=" + subset, "data.dev=" + subset, "run.output=" + dir.resolve("runs"), "run.id=t",
                "finetune.rounds=3", "finetune.local-steps=4", "finetune.batch-size=16",
                "finetune.learning-rate=1e-4", "evaluate.batch-size=64");
        CondenseSettings s = SettingsLoader.load("", "test", overrides);

        TaskShards.Shards rows = TaskShards.dev(sc, s, TaskData.files(s).dev());
        ClassificationMetrics before = DistributedEvaluator.evaluate(sc, MiniLm.classifier(2, s.finetune().seed()),
                rows.examples(), 64, 1, s.evaluate().engine(), "before");
        ClassificationMetrics after = FinetuneJob.run(sc, s, line -> { });

        assertEquals(256, after.count());
        assertTrue(after.meanLoss() < before.meanLoss() - 0.05,
                "loss " + before.meanLoss() + " -> " + after.meanLoss());
        Path run = dir.resolve("runs/t");
        assertTrue(Files.exists(run.resolve("teacher/model.bin")));
        JsonNode metrics = new ObjectMapper().readTree(run.resolve("teacher/metrics.json").toFile());
        assertEquals(after.accuracy(), metrics.get("accuracy").asDouble(), 1e-12);
        assertEquals(3, metrics.get("round_train_loss").size());
        assertEquals(2, Files.list(run.resolve("checkpoints")).filter(p -> p.toString().endsWith(".ckpt")).count());

        ClassificationMetrics evaluated = EvaluateJob.run(sc, s, line -> { });
        assertEquals(after.correct(), evaluated.correct(), "evaluate reloads the saved teacher");
        assertTrue(Files.exists(run.resolve("evaluate/metrics.json")));

        assertTrue(Files.readString(run.resolve("checkpoints/finetune.settings")).contains("finetune.seed = 42"));
        SettingsException refused = assertThrows(SettingsException.class, () -> FinetuneJob.run(sc,
                withOverrides(overrides, "finetune.seed=7", "finetune.local-steps=5"), line -> { }));
        assertTrue(refused.getMessage().contains("condense.finetune.local-steps was 4, is now 5; "
                + "condense.finetune.seed was 42, is now 7"), refused.getMessage());
        ClassificationMetrics lowerRate = FinetuneJob.run(sc, withOverrides(overrides, "finetune.learning-rate=5e-5"),
                line -> { });
        assertEquals(after.correct(), lowerRate.correct(), "a lower learning rate resumes the finished stage");
    }

    /**
     * A speech encoder trained from scratch on real FSDD clips through the same job: the loss falls from chance,
     * and the saved teacher is a speech model. A text encoder is refused for clips before any cluster work.
     */
    @Test
    void aSpeechTeacherFromScratchLearnsFsddDigits() {
        List<String> overrides = List.of("data.format=fsdd", "data.train=../data-samples/fsdd/dev",
                "data.dev=../data-samples/fsdd/dev", "data.labels=[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\","
                + "\"7\",\"8\",\"9\"]", "run.output=" + dir.resolve("runs"), "run.id=speech",
                "model.pretrained=speech", "model.speech.hidden=32", "model.speech.layers=1", "model.speech.heads=2",
                "model.speech.ffn=64", "model.speech.channels=32", "finetune.frozen=[]", "finetune.rounds=10",
                "finetune.local-steps=15", "finetune.batch-size=16", "finetune.learning-rate=3e-3");
        ClassificationMetrics m = FinetuneJob.run(sc, SettingsLoader.load("", "test", overrides), line -> { });
        assertEquals(300, m.count());
        assertTrue(m.meanLoss() < Math.log(10) - 0.5, "loss " + m.meanLoss() + " vs chance " + Math.log(10));
        assertTrue(ModelStore.load(sc.hadoopConfiguration(), dir.resolve("runs/speech/teacher").toString()).spec()
                .isSpeech());

        SettingsException text = assertThrows(SettingsException.class, () -> FinetuneJob.run(sc,
                withOverrides(overrides, "run.id=speech-text", "model.pretrained=minilm"), line -> { }));
        assertTrue(text.getMessage().contains("minilm is a text encoder"), text.getMessage());
    }

    /**
     * CTC end to end on two real LibriSpeech utterances: FLAC read through Hadoop, features and CTC training on the
     * executors, greedy transcripts scored on the driver. A 200-step run cannot spell them yet, but its CTC loss must
     * fall to a quarter of its first round's (measured: 225 to 20), and the metrics must carry word and character
     * error rates. Stages that only know classification refuse the data, and the CTC model is refused for labelled
     * clips.
     */
    @Test
    void aCtcModelTrainsOnTranscribedSpeechAndReportsErrorRates() throws Exception {
        Path chapter = Files.createDirectories(dir.resolve("asr/1089/134691"));
        Path source = Path.of("../data-samples/transcribed/LibriSpeech/test-clean/1089/134691");
        try (var files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, chapter.resolve(f.getFileName()));
            }
        }
        List<String> overrides = List.of("data.format=transcribed", "data.train=" + dir.resolve("asr"),
                "data.dev=" + dir.resolve("asr"), "run.output=" + dir.resolve("runs"), "run.id=ctc",
                "model.pretrained=speech", "model.speech.hidden=32", "model.speech.layers=1", "model.speech.heads=2",
                "model.speech.ffn=64", "model.speech.channels=32", "finetune.frozen=[]", "finetune.rounds=20",
                "finetune.local-steps=10", "finetune.batch-size=2", "finetune.learning-rate=3e-3",
                "finetune.weight-decay=0");
        CondenseSettings s = SettingsLoader.load("", "test", overrides);
        TranscriptionMetrics m = FinetuneJob.transcribe(sc, s, line -> { });
        assertEquals(2, m.utterances());
        assertEquals(22, m.words().references(), "5 + 17 reference words");
        Map<?, ?> json = new ObjectMapper().readValue(dir.resolve("runs/ctc/teacher/metrics.json").toFile(), Map.class);
        double firstRound = ((List<?>) json.get("round_train_loss")).stream().mapToDouble(x -> (Double) x)
                .findFirst().orElseThrow();
        assertTrue(m.meanLoss() < 0.25 * firstRound, "CTC loss " + firstRound + " -> " + m.meanLoss());
        assertEquals(m.wordErrorRate(), (Double) json.get("wer"), 1e-12);
        assertEquals(2, ((List<?>) json.get("samples")).size());
        assertTrue(ModelStore.load(sc.hadoopConfiguration(), dir.resolve("runs/ctc/teacher").toString()).spec()
                .speech().ctc());

        SettingsException prune = assertThrows(SettingsException.class, () -> PruneJob.run(sc, s, line -> { }));
        assertTrue(prune.getMessage().contains("the prune stage works on classification tasks only"),
                prune.getMessage());
        SettingsException labelled = assertThrows(SettingsException.class, () -> FinetuneJob.run(sc,
                SettingsLoader.load("", "test", List.of("data.format=fsdd", "data.train=../data-samples/fsdd/dev",
                        "data.dev=../data-samples/fsdd/dev", "data.labels=[\"0\",\"1\",\"2\",\"3\",\"4\","
                                + "\"5\",\"6\",\"7\",\"8\",\"9\"]", "run.output=" + dir.resolve("runs"),
                        "run.id=ctc-on-digits", "model.pretrained=" + dir.resolve("runs/ctc/teacher"))),
                line -> { }));
        assertTrue(labelled.getMessage().contains("transcribes (a CTC head)"), labelled.getMessage());
    }

    private static CondenseSettings withOverrides(List<String> overrides, String... extra) {
        List<String> all = new java.util.ArrayList<>(overrides);
        all.addAll(List.of(extra));
        return SettingsLoader.load("", "test", all);
    }

    /**
     * Bring your own encoder: a small BERT-layout encoder with [CLS] pooling, exported to ONNX with MiniLM's
     * tokenizer.json beside it, is read from the graph, fine-tuned, saved with its pooling, and exported again.
     */
    @Test
    void anOnnxEncoderOfTheUsersFineTunesAndExports() throws Exception {
        Path own = dir.resolve("own-encoder");
        Files.createDirectories(own);
        dev.condense.models.state.EncoderSpec spec = new dev.condense.models.state.EncoderSpec(30522, 128, 2,
                16, 2, 2, 32, 1e-12, 2).withPooling(dev.condense.models.state.Pooling.CLS);
        Files.write(own.resolve("encoder.onnx"), dev.condense.models.export.OnnxExport.toBytes(
                dev.condense.models.encoder.TinyEncoders.randomState(spec, 3),
                dev.condense.models.export.Precision.FLOAT32, dev.condense.models.export.Operators.STANDARD,
                List.of("0", "1"), "test"));
        Files.write(own.resolve("tokenizer.json"), MiniLm.tokenizerJson());
        Path subset = SparkTestSession.sst2Rows(dir.resolve("sst2-64.tsv"), 0, 64);
        CondenseSettings s = SettingsLoader.load("", "test", List.of("data.train=" + subset, "data.dev=" + subset,
                "run.output=" + dir.resolve("runs"), "run.id=own", "finetune.rounds=1", "finetune.local-steps=2",
                "finetune.batch-size=16", "model.pretrained=" + own.resolve("encoder.onnx"), "model.pooling=cls"));
        FinetuneJob.run(sc, s, line -> { });
        dev.condense.models.state.ModelState teacher = ModelStore.load(sc.hadoopConfiguration(),
                dir.resolve("runs/own/teacher").toString());
        assertEquals(spec, teacher.spec());
        assertEquals(dir.resolve("runs/own/export").toString(), ExportJob.run(sc.hadoopConfiguration(), s,
                line -> { }));
        assertTrue(Files.readString(dir.resolve("runs/own/export/tokenizer.json")).contains("WordPiece"));
    }

    @Test
    void anOnnxEncoderWithoutItsTokenizerOrWithAForeignOneIsBadInput() throws Exception {
        Path own = dir.resolve("lonely-encoder");
        Files.createDirectories(own);
        Files.write(own.resolve("encoder.onnx"), dev.condense.models.export.OnnxExport.toBytes(
                dev.condense.models.encoder.TinyEncoders.randomState(
                        dev.condense.models.encoder.TinyEncoders.spec(), 3),
                dev.condense.models.export.Precision.FLOAT32, dev.condense.models.export.Operators.STANDARD,
                List.of("0", "1", "2"), "test"));
        CondenseSettings missing = SettingsLoader.load("", "test", List.of(
                "model.pretrained=" + own.resolve("encoder.onnx"), "run.output=" + dir.resolve("runs")));
        dev.condense.spark.io.DataException e = assertThrows(dev.condense.spark.io.DataException.class,
                () -> ModelStore.pretrained(sc.hadoopConfiguration(), missing, 3, 1));
        assertTrue(e.getMessage().contains("tokenizer not found: " + own.resolve("tokenizer.json")), e.getMessage());

        Files.write(own.resolve("tokenizer.json"), MiniLm.tokenizerJson());
        dev.condense.spark.io.DataException foreign = assertThrows(dev.condense.spark.io.DataException.class,
                () -> ModelStore.pretrained(sc.hadoopConfiguration(), missing, 3, 1));
        assertTrue(foreign.getMessage().contains("embeds only 20"), foreign.getMessage());
    }
}
