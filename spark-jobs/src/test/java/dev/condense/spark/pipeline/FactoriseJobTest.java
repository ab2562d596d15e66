package dev.condense.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.models.pretrained.MiniLm;
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

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The factorise job on the real MiniLM and real SST-2 rows, kept small: gated FFN factors over two rounds. */
class FactoriseJobTest {

    private static JavaSparkContext sc;
    private static Path train;
    private static Path dev;
    private static Path teacher;

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() throws Exception {
        sc = SparkTestSession.start();
        train = SparkTestSession.sst2Rows(dir.resolve("train.tsv"), 0, 64);
        dev = SparkTestSession.sst2Rows(dir.resolve("dev.tsv"), 999, 32);
        teacher = dir.resolve("teacher");
        ModelStore.save(sc.hadoopConfiguration(), teacher.toString(), MiniLm.classifier(2, 3), java.util.List.of(), "");
    }

    private static CondenseSettings settings(String id, String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.train=" + train, "data.dev=" + dev,
                "run.output=" + dir.resolve("runs"), "run.id=" + id, "factorise.model=" + teacher,
                "factorise.teacher=" + teacher, "factorise.kinds=[ffn-in,ffn-out]",
                "factorise.training.rounds=2", "factorise.training.local-steps=2", "factorise.training.batch-size=8"));
        all.addAll(List.of(overrides));
        return SettingsLoader.load("", "test", all);
    }

    /**
     * The default basis: the FFN matrices' output directions, from the moments of the training rows' inputs. Four
     * steps leave the gates near their start; the saved model still keeps at most the target.
     */
    @Test
    void gatedFactorsTrainUnderTheBudgetAndTheCutModelIsSavedWithItsRanks() throws Exception {
        List<String> log = new ArrayList<>();
        FactoriseJob.run(sc, settings("f", "factorise.target=0.6", "factorise.basis-examples=40"), log::add);
        assertTrue(log.stream().anyMatch(line -> line.startsWith("factorise: output basis of 12 matrices from ")
                && line.contains(" of at most 40 training examples")), String.join("\n", log));
        Path out = dir.resolve("runs/f/factorised");
        ModelState saved = ModelStore.load(sc.hadoopConfiguration(), out.toString());
        assertEquals(12, saved.spec().ranks().size(), "every FFN matrix is factorised");
        saved.spec().ranks().values().forEach(r -> assertTrue(r >= 1 && r <= 384, "rank " + r));
        JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
        assertEquals(ParameterCount.of(saved).encoderMatrixValues(), m.get("encoder_matrix_values").asLong());
        assertEquals(10_616_832L, m.get("teacher_encoder_matrix_values").asLong());
        assertEquals(384, m.get("full_ranks").get("layer.0.ffn.in.weight").asInt());
        assertEquals(32, m.get("examples").asInt());
        assertEquals("outputs", m.get("basis").asText());
        double countedShare = log.stream().filter(line -> line.startsWith("factorise round 2: "))
                .map(line -> line.replaceAll(".*kept share ([0-9.]+).*", "$1")).mapToDouble(Double::parseDouble)
                .findFirst().orElseThrow();
        assertTrue(countedShare > 0.6, "four steps leave the gates' expected counts above the target: " + countedShare);
        assertTrue(m.get("encoder_matrix_share_of_teacher").asDouble() <= 0.6, "the final cut holds the model to "
                + "the target: " + m.get("encoder_matrix_share_of_teacher"));
        assertEquals(0, m.get("dense_again").size(), "rank-limited FFN factors are smaller than their matrices");
    }

    @Test
    void aTargetBelowWhatTheUnselectedMatricesKeepIsRefusedBeforeTraining() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> FactoriseJob.run(sc, settings("t", "factorise.target=0.3"), line -> { }));
        // attention matrices (not selected) keep 4·384·384·6 = 3,538,944 values, a third of the teacher's
        assertTrue(e.getMessage().contains("condense.factorise.target = 0.3")
                && e.getMessage().contains("already keep 3538944"), e.getMessage());
    }
}
