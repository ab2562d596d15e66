package dev.condense.spark.report;

import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsitySchedule;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.io.DataException;
import dev.condense.spark.run.ModelStore;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunReportTest {

    @TempDir
    Path dir;

    @Test
    void aRunsReportShowsEveryStageFromItsSavedModelsAndNeedsNoNetwork() throws Exception {
        Configuration conf = new Configuration();
        ModelState teacher = MiniLm.classifier(2, 1);
        ModelStore.save(conf, dir.resolve("teacher").toString(), teacher, java.util.List.of(), "");
        Files.writeString(dir.resolve("teacher/metrics.json"),
                "{\"accuracy\": 0.8681, \"round_train_loss\": [0.6, 0.4, 0.3]}");
        Pruner pruner = new Pruner(new Pruner.Spec(List.of(new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, 0.5,
                true, Set.of())), ScoreMethod.L2, new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1), 0,
                0, 0.5, 1), teacher.spec());
        TrainingState pruned = PrunedTraining.start(pruner, TrainingState.start(teacher, Set.of()));
        ModelStore.save(conf, dir.resolve("student").toString(), MaskSet.prunedModel(pruned.model(), pruned.masks()),
                java.util.List.of(), "");
        Files.writeString(dir.resolve("student/metrics.json"), "{\"accuracy\": 0.8716, \"round_train_loss\": "
                + "[0.2, 0.3], \"sparsity_per_matrix\": {\"layer.0.attention.query.weight\": 0.5, "
                + "\"classifier.weight\": 0.0}}");

        String path = RunReport.write(conf, dir.toString());
        String html = Files.readString(Path.of(path));
        assertEquals(dir.resolve("report.html").toString(), path);
        assertTrue(html.contains("<td>teacher (finetune)</td><td>86.81%</td><td>10,616,832</td>"), html);
        // half the heads: half of the attention matrices' 4·6·384·384 values are zero
        assertTrue(html.contains("<td>pruned student (prune)</td><td>87.16%</td><td>10,616,832</td><td>8,847,360"),
                html);
        // accuracy against values, losses, sparsity, and three spectra
        assertEquals(6, html.split("<svg ", -1).length - 1);
        assertTrue(html.contains("L0.query"), "encoder matrices are named in the sparsity chart");
        assertFalse(html.contains("classifier"), "only encoder matrices are charted");
        assertFalse(html.contains("<script") || html.contains("src=") || html.contains("href="),
                "nothing is fetched or run");
    }

    @Test
    void aRunWithNoSavedStageIsAClearError() {
        DataException e = assertThrows(DataException.class, () -> RunReport.write(new Configuration(),
                dir.toString()));
        assertTrue(e.getMessage().contains("no stage of run " + dir), e.getMessage());
    }
}
