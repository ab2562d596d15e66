package dev.condense.spark.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsitySchedule;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.TrainingState;
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
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shrink job on the real MiniLM, structurally pruned, and real SST-2 dev rows. */
class ShrinkJobTest {

    private static JavaSparkContext sc;
    private static Path dev;

    @TempDir
    static Path dir;

    @BeforeAll
    static void spark() throws Exception {
        sc = SparkTestSession.start();
        dev = SparkTestSession.sst2Rows(dir.resolve("dev.tsv"), 999, 64);
    }

    /**
     * Half the heads (across layers) and half of each layer's neurons, and a quarter of the hidden dimensions, saved
     * as run {@code id}'s student.
     */
    private static ModelState prunedStudent(String id) throws Exception {
        List<PruneGroup> groups = new ArrayList<>(List.of(
                new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, 0.5, true, Set.of()),
                new PruneGroup(Set.of(), Set.of(), Granularity.NEURON, 0.5, false, Set.of()),
                new PruneGroup(Set.of(), Set.of(), Granularity.HIDDEN, 0.25, true, Set.of())));
        ModelState model = MiniLm.classifier(2, 5);
        Pruner pruner = new Pruner(new Pruner.Spec(groups, ScoreMethod.L2,
                new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1), 0, 0, 0.5, 1), model.spec());
        TrainingState state = PrunedTraining.start(pruner, TrainingState.start(model, Set.of()));
        ModelState student = MaskSet.prunedModel(state.model(), state.masks());
        ModelStore.save(sc.hadoopConfiguration(), dir.resolve("runs").resolve(id).resolve("student").toString(),
                student, java.util.List.of(), "");
        return student;
    }

    private static CondenseSettings settings(String id, String... overrides) {
        List<String> all = new ArrayList<>(List.of("data.dev=" + dev, "run.output=" + dir.resolve("runs"),
                "run.id=" + id));
        all.addAll(List.of(overrides));
        return SettingsLoader.load("", "test", all);
    }

    private static JsonNode metrics(String id) throws Exception {
        return new ObjectMapper().readTree(dir.resolve("runs").resolve(id).resolve("compressed")
                .resolve("metrics.json").toFile());
    }

    @Test
    void theCompressedModelIsSmallerAndPredictsWhatThePrunedStudentPredicts() throws Exception {
        prunedStudent("s");
        CondenseSettings s = settings("s");
        ClassificationMetrics compressed = ShrinkJob.run(sc, s, line -> { });
        ClassificationMetrics masked = EvaluateJob.run(sc, settings("s",
                "evaluate.model=" + dir.resolve("runs/s/student")), line -> { });
        assertEquals(masked.correct(), compressed.correct());
        assertEquals(masked.meanLoss(), compressed.meanLoss(), 1e-4);

        JsonNode m = metrics("s");
        ModelState saved = ModelStore.load(sc.hadoopConfiguration(), dir.resolve("runs/s/compressed").toString());
        assertEquals(288, m.get("hidden").asInt());
        assertEquals(ParameterCount.of(saved).encoderMatrixValues(), m.get("encoder_matrix_values").asLong());
        // half the heads and neurons of a 288-wide stream: (4·288·192 + 2·288·768)·6 values
        assertEquals(6L * (4 * 288 * 192 + 2 * 288 * 768), m.get("encoder_matrix_values").asLong());
        assertEquals(10_616_832L, m.get("input_encoder_matrix_values").asLong());
        assertEquals(0, m.get("ranks").size());
        // FLOPs at 128 tokens: projections 2·values per token, attention 4·128·width per token and layer
        double flops = 128 * (2.0 * 6 * (4 * 288 * 192 + 2 * 288 * 768) + 6 * 4.0 * 128 * 192) + 2.0 * 288 * 2;
        assertEquals(flops, m.get("forward_flops_128_tokens").asDouble(), 1.0);
        assertTrue(m.get("input_forward_flops_128_tokens").asDouble() > 2 * flops);
    }

    @Test
    void fixedRatioFactorisationStoresTheSelectedMatricesAsFactors() throws Exception {
        prunedStudent("f");
        ShrinkJob.run(sc, settings("f", "shrink.factorise.fraction=0.25", "shrink.factorise.kinds=[ffn-in,ffn-out]"),
                line -> { });
        JsonNode m = metrics("f");
        int rank = Factoriser.rankForParameterFraction(288, 768, 0.25);
        assertEquals(12, m.get("ranks").size());
        assertEquals(rank, m.get("ranks").get("layer.3.ffn.out.weight").asInt());
        assertEquals(6L * (4 * 288 * 192 + 2 * rank * (288 + 768)), m.get("encoder_matrix_values").asLong());
        assertTrue(m.get("accuracy").asDouble() >= 0);
    }

    @Test
    void badFactorisationSettingsNameTheirKey() {
        SettingsException fraction = assertThrows(SettingsException.class,
                () -> settings("b", "shrink.factorise.fraction=1.5"));
        assertTrue(fraction.getMessage().contains("condense.shrink.factorise.fraction = 1.5"), fraction.getMessage());
        SettingsException kind = assertThrows(SettingsException.class,
                () -> settings("b", "shrink.factorise.fraction=0.5", "shrink.factorise.kinds=[embeddings]"));
        assertTrue(kind.getMessage().contains("condense.shrink.factorise.kinds"), kind.getMessage());
    }
}
