package dev.condense.spark.jobs;

import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.spark.SparkTestSession;
import dev.condense.spark.io.DataException;
import dev.condense.spark.pipeline.FinetuneJob;
import dev.condense.spark.settings.CondenseSettings;
import dev.condense.spark.settings.SettingsLoader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real SST-2 rows read from, and the run (checkpoints, model, metrics) written to, an in-process HDFS: every path
 * is a Hadoop URI, writes leave no temporary files behind, and a rerun of the run id resumes from HDFS.
 */
class FinetuneOnHdfsTest {

    @TempDir
    static java.nio.file.Path dir;

    private static MiniDFSCluster hdfs;
    private static FileSystem fs;
    private static String root;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("hdfs").toString());
        hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        hdfs.waitActive();
        fs = hdfs.getFileSystem();
        root = fs.getUri().toString();
        java.nio.file.Path rows = SparkTestSession.sst2Rows(dir.resolve("sst2-128.tsv"), 1000, 128);
        fs.copyFromLocalFile(new Path(rows.toUri()), new Path("/data/sst2/train.tsv"));
        sc = SparkTestSession.start();
    }

    @AfterAll
    static void stop() {
        if (hdfs != null) {
            hdfs.shutdown();
        }
    }

    private static CondenseSettings settings(String train) {
        return SettingsLoader.load("", "test", List.of("data.train=" + train, "data.dev=" + train,
                "run.output=" + root + "/runs", "run.id=hdfs", "finetune.rounds=2", "finetune.local-steps=2",
                "finetune.batch-size=8", "evaluate.batch-size=64"));
    }

    @Test
    void finetuneReadsAndCheckpointsOnHdfsAndResumesFromIt() throws Exception {
        String train = root + "/data/sst2/train.tsv";
        ClassificationMetrics first = FinetuneJob.run(sc, settings(train), line -> { });
        assertEquals(128, first.count());

        Path run = new Path("/runs/hdfs");
        assertTrue(fs.getFileStatus(new Path(run, "teacher/model.bin")).getLen() > 80_000_000L, "the whole model");
        assertTrue(fs.exists(new Path(run, "teacher/metrics.json")));
        List<String> files = files(run);
        assertEquals(2, files.stream().filter(f -> f.endsWith(".ckpt")).count(), files.toString());
        assertTrue(files.stream().noneMatch(f -> f.substring(f.lastIndexOf('/') + 1).startsWith(".")),
                "no temporary files left: " + files);

        List<String> log = new ArrayList<>();
        ClassificationMetrics again = FinetuneJob.run(sc, settings(train), log::add);
        assertTrue(log.stream().anyMatch(l -> l.contains("resum")), log.toString());
        assertEquals(first.correct(), again.correct(), "resumed from the last HDFS checkpoint");
        assertEquals(first.meanLoss(), again.meanLoss(), 1e-12);
    }

    @Test
    void aMissingHdfsPathIsNamedBeforeAnyTraining() {
        DataException e = assertThrows(DataException.class,
                () -> FinetuneJob.run(sc, settings(root + "/data/sst2/missing.tsv"), line -> { }));
        assertTrue(e.getMessage().contains(root + "/data/sst2/missing.tsv"), e.getMessage());
    }

    private static List<String> files(Path under) throws java.io.IOException {
        List<String> out = new ArrayList<>();
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(under, true);
        while (it.hasNext()) {
            out.add(it.next().getPath().toString());
        }
        return out;
    }
}
