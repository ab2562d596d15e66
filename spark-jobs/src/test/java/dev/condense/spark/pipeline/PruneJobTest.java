package dev.condense.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.SparsityReport;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.ModelState;
import dev.condense.spark.SparkTestSession;
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
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The prune job on the real MiniLM and real SST-2 rows, kept small: masks, saved student and metrics. */
class PruneJobTest {

    private static JavaSparkContext sc;

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() {
        sc = SparkTestSession.start();
    }

    /**
     * Runs {@code prune} as run {@code id} on real SST-2 rows, with a fresh MiniLM classifier as the teacher and
     * {@code prune} as the {@code condense.prune} block (2 rounds × 2 steps of batch 8); returns the student's folder.
     */
    private static Path prune(String id, int trainRows, int devRows, String prune) throws Exception {
        Path train = SparkTestSession.sst2Rows(dir.resolve(id + "-train.tsv"), 0, trainRows);
        Path dev = SparkTestSession.sst2Rows(dir.resolve(id + "-dev.tsv"), 999, devRows);
        Path teacher = dir.resolve(id + "-teacher");
        ModelStore.save(sc.hadoopConfiguration(), teacher.toString(), MiniLm.classifier(2, 3), java.util.List.of(), "");
        CondenseSettings s = SettingsLoader.load("condense.prune {\n" + prune
                        + "\ntraining { rounds = 2, local-steps = 2, batch-size = 8 }\n}", "test",
                List.of("data.train=" + train, "data.dev=" + dev, "run.output=" + dir.resolve("runs"),
                        "run.id=" + id, "prune.teacher=" + teacher));
        PruneJob.run(sc, s, line -> { });
        return dir.resolve("runs").resolve(id).resolve("student");
    }

    @Test
    void prunesHeadsAndNeuronsUnderDistillationAndReportsSparsity() throws Exception {
        Path student = prune("p", 128, 64, """
                method = taylor
                groups = [
                  { kinds = [], granularity = head, sparsity = 0.5 }
                  { kinds = [], granularity = neuron, sparsity = 0.5, global = false }
                ]
                schedule { kind = one-shot, start-step = 0, end-step = 0 }
                """);
        JsonNode m = new ObjectMapper().readTree(student.resolve("metrics.json").toFile());
        assertEquals(0.5, m.get("encoder_matrix_sparsity").asDouble(), 1e-9);
        assertEquals(64, m.get("examples").asInt());
        assertTrue(m.get("layer_mapping").size() > 0);
        var saved = ModelStore.load(sc.hadoopConfiguration(), student.toString());
        assertEquals(0.5, SparsityReport.of(saved.weights()).encoderSparsity(), 1e-9,
                "the saved model's own zeros give the sparsity");

        // what made it: the teacher by its file's hash, the data it trained on, the seed, settings and versions
        JsonNode provenance = new ObjectMapper().readTree(student.resolve("provenance.json").toFile());
        assertEquals("prune", provenance.path("stage").asText());
        JsonNode teacher = provenance.path("parents").get(0);
        assertEquals("teacher", teacher.path("role").asText());
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(
                Files.readAllBytes(dir.resolve("p-teacher").resolve("model.bin")))), teacher.path("sha256").asText());
        assertTrue(provenance.path("training_data").asText().matches("\\d+:[0-9a-f]+"), provenance.toString());
        assertEquals(43, provenance.path("seed").asInt());
        assertEquals("taylor", provenance.path("settings").path("prune.method").asText());
        assertTrue(provenance.path("versions").path("nd4j").asText().startsWith("1.0.0"), provenance.toString());
    }

    /**
     * Learned movement scores, masks chosen at every step, each matrix keeping its own top half of the averaged
     * scores at the end; the loss of every step is written beside the run.
     */
    @Test
    void movementPrunesEachMatrixUnderDistillationFromItsLearnedScores() throws Exception {
        Path student = prune("m", 64, 32, """
                method = movement
                groups = [ { kinds = [query, value], granularity = element, sparsity = 0.5, global = false } ]
                schedule { kind = agp, start-step = 1, end-step = 3 }
                """);
        var saved = ModelStore.load(sc.hadoopConfiguration(), student.toString());
        for (String name : List.of("layer.0.attention.query.weight", "layer.5.attention.value.weight")) {
            assertEquals(0.5, zeroFraction(saved.weights().get(name).data()), 1e-9, name + " keeps its own top half");
        }
        assertEquals(0.0, zeroFraction(saved.weights().get("layer.0.attention.key.weight").data()), 1e-9);
        List<String> steps = Files.readAllLines(student.getParent().resolve("prune-step-loss.tsv"));
        assertEquals(List.of("step", "1", "2", "3", "4"), steps.stream().map(l -> l.split("\t")[0]).toList());
        assertTrue(steps.stream().skip(1).allMatch(l -> Double.parseDouble(l.split("\t")[1]) > 0), steps.toString());
    }

    /**
     * LoSparse by configuration: the student starts as top-r factors plus full residuals, Taylor scores (a moving
     * average over rounds) prune half of each residual's input rows, and {@code shrink} cuts those rows out while
     * the model's predictions stay those of the masked student.
     */
    @Test
    void loSparsePrunesTheResidualRowsAndShrinkCutsThemOut() throws Exception {
        Path student = prune("ls", 64, 32, """
                method = taylor
                low-rank { fraction = 0.1, kinds = [value, ffn-in] }
                score-decay = 0.5
                groups = [ { kinds = [value, ffn-in], granularity = input, sparsity = 0.5, global = false } ]
                schedule { kind = agp, start-step = 0, end-step = 4 }
                """);
        ModelState saved = ModelStore.load(sc.hadoopConfiguration(), student.toString());
        String value = "layer.3.attention.value.weight";
        String ffnIn = "layer.0.ffn.in.weight";
        assertEquals(19, saved.spec().rank(value), "floor(0.1·384·384 / 768)");
        assertEquals(30, saved.spec().rank(ffnIn), "floor(0.1·384·1536 / 1920)");
        assertEquals(0, saved.spec().rank("layer.0.attention.query.weight"));
        assertEquals(0.5, zeroRowFraction(saved.weights().get(value)), 1e-9);
        assertEquals(0.5, zeroRowFraction(saved.weights().get(ffnIn)), 1e-9);

        CondenseSettings s = SettingsLoader.load("", "test", List.of("data.dev=" + dir.resolve("ls-dev.tsv"),
                "run.output=" + dir.resolve("runs"), "run.id=ls"));
        ClassificationMetrics compressed = ShrinkJob.run(sc, s, line -> { });
        ModelState small = ModelStore.load(sc.hadoopConfiguration(),
                dir.resolve("runs").resolve("ls").resolve("compressed").toString());
        assertEquals(192, small.spec().residualRows(value).size());
        assertArrayEquals(new long[] {192, 1536}, small.weights().get(ffnIn).shape());
        long perLayer = 4 * 384 * 384 + 2 * 384 * 1536 - 384 * 384 - 384 * 1536
                + 19 * 768 + 192 * 384 + 192 + 30 * 1920 + 192 * 1536 + 192;
        assertEquals(6 * perLayer, ParameterCount.of(small).encoderMatrixValues());
        JsonNode m = new ObjectMapper().readTree(student.resolve("metrics.json").toFile());
        assertEquals(m.get("accuracy").asDouble(), compressed.accuracy(), 1e-12,
                "cutting zero rows out changes no prediction");
    }

    private static double zeroRowFraction(dev.condense.models.state.Tensor t) {
        int cols = (int) t.shape()[1];
        int zeroRows = 0;
        for (int i = 0; i < t.shape()[0]; i++) {
            boolean zero = true;
            for (int j = 0; j < cols && zero; j++) {
                zero = t.data()[i * cols + j] == 0f;
            }
            zeroRows += zero ? 1 : 0;
        }
        return (double) zeroRows / t.shape()[0];
    }

    private static double zeroFraction(float[] w) {
        long zeros = 0;
        for (float v : w) {
            zeros += v == 0f ? 1 : 0;
        }
        return (double) zeros / w.length;
    }

    @Test
    void aPretrainedStartIsThePretrainedEncoderWithANewHeadNotTheTeacher() throws Exception {
        String query = "layer.0.attention.query.weight";
        ModelState teacher = MiniLm.classifier(2, 3);
        teacher.weights().get(query).data()[0] += 1f;
        List<String> log = new ArrayList<>();
        assertSame(teacher, PruneJob.studentStart(sc.hadoopConfiguration(), SettingsLoader.load("", "t",
                List.of("prune.method=taylor")), teacher, log::add), "by default Taylor's student is the teacher");

        ModelState pretrained = MiniLm.classifier(2, 7);
        for (List<String> settings : List.of(List.of("prune.student-start=pretrained", "prune.method=taylor"),
                List.of("prune.method=movement"), List.of("prune.method=soft-movement"))) {
            List<String> all = new ArrayList<>(settings);
            all.add("prune.training.seed=7");
            ModelState start = PruneJob.studentStart(sc.hadoopConfiguration(), SettingsLoader.load("", "t", all),
                    teacher, log::add);
            assertArrayEquals(pretrained.weights().get(query).data(), start.weights().get(query).data(),
                    settings + ": the pretrained encoder (by default for movement)");
            assertEquals(teacher.spec(), start.spec());
        }
        assertTrue(log.isEmpty(), log.toString());

        assertSame(teacher, PruneJob.studentStart(sc.hadoopConfiguration(), SettingsLoader.load("", "t",
                List.of("prune.student-start=teacher", "prune.method=movement")), teacher, log::add));
        assertEquals(1, log.size());
        assertTrue(log.get(0).contains("WARNING") && log.get(0).contains("collapses"), log.get(0));

        SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t",
                List.of("prune.student-start=scratch")));
        assertTrue(e.getMessage().contains("condense.prune.student-start"), e.getMessage());
    }

    @Test
    void aGroupSelectingNothingOrAnUnknownGroupKeyIsASettingsError() {
        SettingsException unknown = assertThrows(SettingsException.class, () -> SettingsLoader.load(
                "condense.prune.groups = [ { kinds = [query], granularity = element, sparsity = 0.5, globl = true } ]",
                "t", List.of()));
        assertTrue(unknown.getMessage().contains("condense.prune.groups[0].globl"), unknown.getMessage());
        SettingsException kind = assertThrows(SettingsException.class, () -> SettingsLoader.load(
                "condense.prune.groups = [ { kinds = [querry], granularity = element, sparsity = 0.5 } ]",
                "t", List.of()));
        assertTrue(kind.getMessage().contains("condense.prune.groups[0].kinds"), kind.getMessage());
        assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t",
                List.of("prune.schedule.end-step=100000")));
    }
}
