package dev.condense.spark.pipeline;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.export.OnnxExport;
import dev.condense.spark.jobs.CommandRun;
import dev.condense.spark.jobs.Condense;
import dev.condense.spark.run.ModelStore;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code condense export} as a user runs it: which model it picks, what it writes, and how it fails. */
class ExportJobTest {

    @TempDir
    Path dir;

    private String[] args(String... extra) {
        String[] base = {"export", "run.output=" + dir, "run.id=tiny", "data.labels=[neg,pos,mixed]"};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void exportsTheRunsLatestModelInBothPrecisionsWithItsTokenizer() throws Exception {
        Configuration conf = new Configuration();
        ModelStore.save(conf, dir + "/tiny/teacher", TinyEncoders.randomState(TinyEncoders.spec(), 1),
                java.util.List.of(), "");
        ModelStore.save(conf, dir + "/tiny/student", TinyEncoders.randomState(TinyEncoders.spec(), 2),
                java.util.List.of("neg", "pos", "mixed"), "");

        assertEquals(Condense.OK, Condense.run(args()));
        Path export = dir.resolve("tiny/export");
        assertTrue(Files.exists(export.resolve("model.onnx")));
        assertTrue(Files.exists(export.resolve("model-int8.onnx")));
        assertTrue(Files.readString(export.resolve("tokenizer.json")).contains("WordPiece"));
        assertEquals(dir + "/tiny/student", ExportJob.source(conf,
                dev.condense.spark.settings.SettingsLoader.load("", "test", java.util.List.of(
                        "run.output=" + dir, "run.id=tiny"))));

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(export.resolve("model.onnx").toString(),
                new OrtSession.SessionOptions())) {
            assertEquals("[\"neg\",\"pos\",\"mixed\"]",
                    session.getMetadata().getCustomMetadata().get(OnnxExport.LABELS));
            assertEquals("onnx_runtime", session.getMetadata().getCustomMetadata().get(OnnxExport.OPERATORS));
        }
    }

    @Test
    void standardOperatorsAreOneSettingAway() throws Exception {
        ModelStore.save(new Configuration(), dir + "/tiny/teacher", TinyEncoders.randomState(TinyEncoders.spec(), 4),
                java.util.List.of(), "");
        assertEquals(Condense.OK, Condense.run(args("export.operators=standard", "export.precisions=[float32]")));
        onnx.Onnx.ModelProto graph = onnx.Onnx.ModelProto.parseFrom(Files.readAllBytes(
                dir.resolve("tiny/export/model.onnx")));
        assertTrue(graph.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()));

        CommandRun r = CommandRun.of(args("export.operators=tensorrt"));
        assertEquals(Condense.BAD_SETTINGS, r.code());
        assertTrue(r.err().contains("condense.export.operators"), r.err());
    }

    @Test
    void aRunWithoutAModelOrWithOtherLabelsExitsWithThree() throws Exception {
        CommandRun none = CommandRun.of(args());
        assertEquals(Condense.BAD_DATA, none.code());
        assertTrue(none.err().contains("has no saved model"), none.err());

        ModelStore.save(new Configuration(), dir + "/tiny/teacher", TinyEncoders.randomState(TinyEncoders.spec(), 3),
                java.util.List.of(), "");
        CommandRun twoLabels = CommandRun.of(args("data.labels=[neg,pos]", "export.precisions=[float32]"));
        assertEquals(Condense.BAD_DATA, twoLabels.code());
        assertTrue(twoLabels.err().contains("has 3 outputs but condense.data.labels names 2"), twoLabels.err());
        assertFalse(Files.exists(dir.resolve("tiny/export/model.onnx")));
    }

    @Test
    void anUnknownPrecisionIsABadSetting() {
        CommandRun r = CommandRun.of(args("export.precisions=[float16]"));
        assertEquals(Condense.BAD_SETTINGS, r.code());
        assertTrue(r.err().contains("condense.export.precisions"), r.err());
    }

}
