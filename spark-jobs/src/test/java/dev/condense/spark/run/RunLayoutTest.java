package dev.condense.spark.run;

import dev.condense.spark.settings.SettingsLoader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The paths every stage, the report and the exporter agree on, under {@code <run.output>/<run.id>}. */
class RunLayoutTest {

    @Test
    void everyPathIsUnderTheRunDirectory() {
        RunLayout run = RunLayout.of(SettingsLoader.load("", "t", List.of("run.output=hdfs://nn/runs/",
                "run.id=sst2")));
        assertEquals("hdfs://nn/runs/sst2", run.root());
        assertEquals("hdfs://nn/runs/sst2/teacher", run.model(RunLayout.Model.TEACHER));
        assertEquals("hdfs://nn/runs/sst2/student/metrics.json", run.metrics(RunLayout.Model.STUDENT));
        assertEquals("hdfs://nn/runs/sst2/compressed", run.model(RunLayout.Model.COMPRESSED));
        assertEquals("hdfs://nn/runs/sst2/factorised", run.model(RunLayout.Model.FACTORISED));
        assertEquals("hdfs://nn/runs/sst2/evaluate", run.evaluation());
        assertEquals("hdfs://nn/runs/sst2/export", run.export());
        assertEquals("hdfs://nn/runs/sst2/report.html", run.report());
        assertEquals("hdfs://nn/runs/sst2/prune-step-loss.tsv", run.stepLosses("prune"));
        assertEquals(run.root(), new RunLayout(run.root() + "/").root());
    }

    @Test
    void exportTakesTheLatestStagesModelFirst() {
        assertEquals(List.of(RunLayout.Model.COMPRESSED, RunLayout.Model.FACTORISED, RunLayout.Model.STUDENT,
                RunLayout.Model.TEACHER), RunLayout.latestFirst());
    }
}
