package dev.condense.spark.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.SparsityReport;
import dev.condense.models.state.ModelState;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
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

    @Test
    void prunesHeadsAndNeuronsUnderDistillationAndReportsSparsity() throws Exception {
        Path train = SparkTestSession.sst2Rows(dir.resolve("train.tsv"), 0, 128);
        Path dev = SparkTestSession.sst2Rows(dir.resolve("dev.tsv"), 999, 64);
        ModelStore.save(sc.hadoopConfiguration(), dir.resolve("teacher").toString(), MiniLm.classifier(2, 3));
        CondenseSettings s = SettingsLoader.load("""
                condense.prune {
                  method = taylor
                  groups = [
                    { kinds = [], granularity = head, sparsity = 0.5 }
                    { kinds = [], granularity = neuron, sparsity = 0.5, global = false }
                  ]
                  schedule { kind = one-shot, start-step = 0, end-step = 0 }
                  training { rounds = 2, local-steps = 2, batch-size = 8 }
                }
                """, "test", List.of("data.train=" + train, "data.dev=" + dev, "run.output=" + dir.resolve("runs"),
                "run.id=p", "prune.teacher=" + dir.resolve("teacher")));
        PruneJob.run(sc, s, line -> { });

        Path student = dir.resolve("runs/p/student");
        JsonNode m = new ObjectMapper().readTree(student.resolve("metrics.json").toFile());
        assertEquals(0.5, m.get("encoder_matrix_sparsity").asDouble(), 1e-9);
        assertEquals(64, m.get("examples").asInt());
        assertTrue(m.get("layer_mapping").size() > 0);
        var saved = ModelStore.load(sc.hadoopConfiguration(), student.toString());
        assertEquals(0.5, SparsityReport.of(saved.weights()).encoderSparsity(), 1e-9,
                "the saved model's own zeros give the sparsity");
    }

    /** Movement scores from the summed Σu and Σu², beside the round's distillation statistics (layer mapping). */
    @Test
    void movementPrunesEachMatrixUnderDistillationFromItsScores() throws Exception {
        Path train = SparkTestSession.sst2Rows(dir.resolve("train-m.tsv"), 0, 64);
        Path dev = SparkTestSession.sst2Rows(dir.resolve("dev-m.tsv"), 999, 32);
        ModelStore.save(sc.hadoopConfiguration(), dir.resolve("teacher-m").toString(), MiniLm.classifier(2, 3));
        CondenseSettings s = SettingsLoader.load("""
                condense.prune {
                  method = movement
                  groups = [ { kinds = [query, value], granularity = element, sparsity = 0.5, global = false } ]
                  schedule { kind = one-shot, start-step = 2, end-step = 2 }
                  training { rounds = 2, local-steps = 2, batch-size = 8 }
                }
                """, "test", List.of("data.train=" + train, "data.dev=" + dev, "run.output=" + dir.resolve("runs"),
                "run.id=m", "prune.teacher=" + dir.resolve("teacher-m")));
        PruneJob.run(sc, s, line -> { });

        var saved = ModelStore.load(sc.hadoopConfiguration(), dir.resolve("runs/m/student").toString());
        for (String name : List.of("layer.0.attention.query.weight", "layer.5.attention.value.weight")) {
            assertEquals(0.5, zeroFraction(saved.weights().get(name).data()), 1e-9, name + " keeps its own top half");
        }
        assertEquals(0.0, zeroFraction(saved.weights().get("layer.0.attention.key.weight").data()), 1e-9);
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
        assertSame(teacher, PruneJob.studentStart(sc.hadoopConfiguration(), SettingsLoader.load("", "t", List.of()),
                teacher), "by default the student is the teacher");

        ModelState start = PruneJob.studentStart(sc.hadoopConfiguration(), SettingsLoader.load("", "t",
                List.of("prune.student-start=pretrained", "prune.training.seed=7")), teacher);
        ModelState pretrained = MiniLm.classifier(2, 7);
        assertArrayEquals(pretrained.weights().get(query).data(), start.weights().get(query).data());
        assertEquals(teacher.spec(), start.spec());

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
