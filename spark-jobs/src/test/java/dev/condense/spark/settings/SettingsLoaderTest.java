package dev.condense.spark.settings;

import dev.condense.models.encoder.Dropout;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsLoaderTest {

    @Test
    void theFingerprintFollowsWhatShapesTheModelNotWhereItRan() {
        String base = SettingsLoader.load("", "t", List.of()).fingerprint();
        assertEquals(16, base.length());
        assertEquals(base, SettingsLoader.load("", "t", List.of("run.id=other", "spark.master=\"local[1]\"",
                "evaluate.batch-size=7")).fingerprint());
        assertTrue(!base.equals(SettingsLoader.load("", "t", List.of("finetune.seed=7")).fingerprint()));
        assertTrue(!base.equals(SettingsLoader.load("", "t", List.of("spark.partitions=3")).fingerprint()));
    }

    @Test
    void defaultsComeFromReferenceConf() {
        CondenseSettings s = SettingsLoader.defaults();
        assertEquals("local[2]", s.spark().master());
        assertEquals(List.of("0", "1"), s.data().labels());
        assertEquals(CondenseSettings.BadRows.FAIL, s.data().badRows());
        assertEquals(250, s.finetune().totalSteps());
    }

    /** With no settings at all, compress runs the structured recipe measured to work, not unstructured movement. */
    @Test
    void theDefaultRecipeIsTaylorHeadsAndNeuronsThenShrinkAndExport() {
        CondenseSettings s = SettingsLoader.defaults();
        assertEquals(List.of("finetune", "prune", "shrink", "export"), s.pipeline().stages());
        assertEquals(dev.condense.models.prune.ScoreMethod.TAYLOR, s.prune().pruner().method());
        assertEquals(List.of(dev.condense.models.prune.Granularity.HEAD, dev.condense.models.prune.Granularity.NEURON),
                s.prune().pruner().groups().stream().map(g -> g.granularity()).toList());
        assertTrue(s.prune().pruner().groups().stream().allMatch(g -> g.sparsity() == 0.8 && g.global()));
    }

    /** prune.training and factorise.training are finetune's settings with a few changed (a HOCON substitution). */
    @Test
    void distilledStagesInheritFinetuneSettingsUnlessTheyOverrideThem() {
        CondenseSettings defaults = SettingsLoader.defaults();
        assertEquals(defaults.finetune().learningRate(), defaults.prune().training().learningRate());
        assertEquals(defaults.finetune().frozen(), defaults.factorise().training().frozen());
        assertEquals(43, defaults.prune().training().seed());
        assertEquals(47, defaults.factorise().training().seed());

        CondenseSettings s = SettingsLoader.load("condense.finetune { batch-size = 16, learning-rate = 3e-5 }",
                "user.conf", List.of("prune.training.learning-rate=2e-4"));
        assertEquals(16, s.prune().training().batchSize());
        assertEquals(16, s.factorise().training().batchSize());
        assertEquals(3e-5, s.factorise().training().learningRate());
        assertEquals(2e-4, s.prune().training().learningRate());
        assertEquals(3e-5, s.finetune().learningRate());
        assertEquals(defaults.prune().training().rounds(), s.prune().training().rounds());

        // dropout is part of the optimizer settings the stages inherit
        assertEquals(Dropout.NONE, defaults.prune().training().dropout());
        CondenseSettings dropping = SettingsLoader.load("", "t", List.of("finetune.dropout.hidden=0.1",
                "finetune.dropout.attention=0.05"));
        assertEquals(new Dropout(0.1, 0.05), dropping.prune().training().optimizer().dropout());
        assertEquals(new Dropout(0.1, 0.05), dropping.factorise().training().dropout());

        // a stage's length stays its own: prune's schedule counts its steps, whatever finetune's length
        CondenseSettings shortTeacher = SettingsLoader.load("", "t", List.of("finetune.local-steps=2",
                "finetune.rounds=1"));
        assertEquals(25, shortTeacher.prune().training().localSteps());
        assertEquals(800, shortTeacher.prune().training().totalSteps());
    }

    @Test
    void fileAndOverridesOverrideInThatOrder() {
        CondenseSettings s = SettingsLoader.load("condense.finetune { rounds = 3, batch-size = 8 }", "test.conf",
                List.of("finetune.rounds=5", "condense.spark.partitions=4"));
        assertEquals(5, s.finetune().rounds());
        assertEquals(8, s.finetune().batchSize());
        assertEquals(4, s.spark().partitions());
    }

    @Test
    void identityHoldsWhatShapesAStageButNotItsStepSizesRoundsOrDevSet() {
        CondenseSettings s = SettingsLoader.load("", "t", List.of("finetune.seed=7", "data.labels=[a, b, c]"));
        java.util.SortedMap<String, String> id = s.identity(List.of("data", "finetune", "spark.partitions"));
        assertEquals("7", id.get("finetune.seed"));
        assertEquals("[\"a\",\"b\",\"c\"]", id.get("data.labels"));
        assertEquals("2", id.get("spark.partitions"));
        assertTrue(id.containsKey("finetune.local-steps") && id.containsKey("data.train"));
        for (String adjustable : List.of("finetune.learning-rate", "finetune.rounds", "finetune.adam-epsilon",
                "data.dev", "spark.master", "prune.method")) {
            assertTrue(s.values().containsKey(adjustable), adjustable);
            assertTrue(!id.containsKey(adjustable), adjustable);
        }
    }

    @Test
    void pathAndUriOverridesAreTakenLiterally() {
        CondenseSettings s = SettingsLoader.load("", "t", List.of("data.train=hdfs://namenode:8020/data//sst2.tsv",
                "data.dev=/tmp/dev#1.tsv", "spark.master=spark://127.0.0.1:7077"));
        assertEquals("hdfs://namenode:8020/data//sst2.tsv", s.data().train());
        assertEquals("/tmp/dev#1.tsv", s.data().dev());
        assertEquals("spark://127.0.0.1:7077", s.spark().master());
    }

    @Test
    void unknownKeyIsNamedWithItsOriginAndASuggestion() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("condense.finetune.learning-rte = 0.1", "my.conf", List.of()));
        assertTrue(e.getMessage().contains("condense.finetune.learning-rte"), e.getMessage());
        assertTrue(e.getMessage().contains("my.conf"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean condense.finetune.learning-rate"), e.getMessage());
    }

    /** Transcribed speech is labelled by the CTC head's characters; an unknown format names the ones there are. */
    @Test
    void transcribedSpeechTakesTheCharactersAsLabelsAndAnUnknownFormatIsNamed() {
        CondenseSettings s = SettingsLoader.load("", "t", List.of("data.format=transcribed"));
        assertTrue(s.data().format().isTranscribed() && s.data().format().isSpeech());
        assertEquals(dev.condense.models.speech.Characters.SYMBOLS, s.data().labels());
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("data.format=librispeech")));
        assertTrue(e.getMessage().contains("condense.data.format") && e.getMessage().contains("transcribed"),
                e.getMessage());
    }

    @Test
    void wrongTypeNamesKeyValueAndExpectation() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("finetune.rounds=many")));
        assertEquals("setting condense.finetune.rounds = \"many\" is invalid: expected an integer", e.getMessage());
    }

    @Test
    void outOfRangeValuesAreRejected() {
        SettingsException lr = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("finetune.learning-rate=-0.001")));
        assertTrue(lr.getMessage().startsWith("setting condense.finetune.learning-rate = -0.001 is invalid"),
                lr.getMessage());
        SettingsException beta = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("finetune.adam-beta2=1.0")));
        assertTrue(beta.getMessage().contains("condense.finetune.adam-beta2"), beta.getMessage());
        SettingsException dropout = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.training.dropout.attention=1")));
        assertTrue(dropout.getMessage().contains("condense.prune.training.dropout.attention"), dropout.getMessage());
        SettingsException rows = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("data.bad-rows=ignore")));
        assertTrue(rows.getMessage().contains("one of"), rows.getMessage());
        assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t", List.of("spark.partitions=0")));
        assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t", List.of("data.labels=[a]")));
    }

    @Test
    void malformedOverrideAndFileAreReported() {
        assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t", List.of("rounds")));
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("condense { rounds = ", "broken.conf", List.of()));
        assertTrue(e.getMessage().contains("broken.conf"), e.getMessage());
    }

    /** Every shipped config is valid against reference.conf: a renamed or mistyped key fails here, not in a run. */
    @Test
    void everyShippedConfigLoads() throws Exception {
        try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(java.nio.file.Path.of(
                "../conf"))) {
            List<java.nio.file.Path> confs = files.filter(f -> f.toString().endsWith(".conf")).sorted().toList();
            assertTrue(confs.size() >= 10, "conf/*.conf found: " + confs);
            for (java.nio.file.Path conf : confs) {
                SettingsLoader.load(java.nio.file.Files.readString(conf), conf.toString(), List.of());
            }
        }
    }

    @Test
    void runIdsThatWouldLeaveTheOutputDirectoryAreRefused() {
        for (String id : List.of(".", "..", "...", "a/b", "")) {
            SettingsException e = assertThrows(SettingsException.class,
                    () -> SettingsLoader.load("", "t", List.of("run.id=\"" + id + "\"")), id);
            assertTrue(e.getMessage().contains("condense.run.id"), e.getMessage());
        }
        assertEquals("v1.2_run-3", SettingsLoader.load("", "t", List.of("run.id=v1.2_run-3")).run().id());
    }

    /** Includes are files next to the including file, must exist, and may not be fetched from a URL. */
    @Test
    void includesAreFilesThatExistNeverUrls(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Files.writeString(dir.resolve("base.conf"), "condense.finetune.rounds = 7");
        String main = dir.resolve("main.conf").toString();
        assertEquals(7, SettingsLoader.load("include \"base.conf\"", main, List.of()).finetune().rounds());
        assertEquals(7, SettingsLoader.load("include file(\"base.conf\")", main, List.of()).finetune().rounds());

        SettingsException missing = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("include file(\"typo.conf\")", main, List.of()));
        assertTrue(missing.getMessage().contains("typo.conf does not exist"), missing.getMessage());
        SettingsException url = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("include url(\"http://127.0.0.1:9/x.conf\")", main, List.of()));
        assertTrue(url.getMessage().contains("include url(\"http://127.0.0.1:9/x.conf\") is not allowed"),
                url.getMessage());
    }
}
