package dev.condense.spark.settings;

import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.ScoreMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pruning groups are read key by key (HOCON does not merge list elements with reference.conf). */
class PruneSettingsReaderTest {

    private static CondenseSettings load(String groups) {
        return SettingsLoader.load("", "t", List.of("prune.method=taylor", "prune.groups=" + groups));
    }

    @Test
    void aHiddenGroupTakesNoKindsOrLayers() {
        PruneGroup g = load("[{granularity=hidden,sparsity=0.25}]").prune().pruner().groups().get(0);
        assertEquals(Granularity.HIDDEN, g.granularity());
        assertEquals(0.25, g.sparsity());
        assertTrue(g.kinds().isEmpty() && g.layers().isEmpty());

        SettingsException e = assertThrows(SettingsException.class,
                () -> load("[{granularity=hidden,sparsity=0.25,layers=[0,1]}]"));
        assertTrue(e.getMessage().contains("condense.prune.groups") && e.getMessage().contains("layers"),
                e.getMessage());
        assertTrue(e.getMessage().contains("spans every layer"), e.getMessage());
    }

    @Test
    void methodNamesAreTheScoreMethodsInSettingsSpelling() {
        assertEquals(ScoreMethod.TAYLOR, SettingsLoader.load("", "t", List.of()).prune().pruner().method());
        assertEquals(ScoreMethod.MOVEMENT, SettingsLoader.load("", "t", List.of("prune.method=movement"))
                .prune().pruner().method());
        assertEquals(ScoreMethod.SOFT_MOVEMENT, SettingsLoader.load("", "t", List.of("prune.method=soft-movement"))
                .prune().pruner().method());
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.method=soft_movement")));
        assertTrue(e.getMessage().contains("condense.prune.method") && e.getMessage().contains("soft-movement"),
                e.getMessage());
    }

    @Test
    void movementsScoreSettingsAreCheckedBeforeAnyWork() {
        var s = SettingsLoader.load("", "t", List.of()).prune();
        assertEquals(1e-2, s.scoreLearningRate());
        assertEquals(0.0, s.pruner().initialScore());
        for (String bad : List.of("prune.movement.learning-rate=0", "prune.movement.threshold=1.5")) {
            SettingsException e = assertThrows(SettingsException.class,
                    () -> SettingsLoader.load("", "t", List.of("prune.method=movement", bad)));
            assertTrue(e.getMessage().contains(bad.substring(0, bad.indexOf('='))), e.getMessage());
        }
        SettingsException zero = assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t",
                List.of("prune.method=soft-movement", "prune.movement.threshold=0")));
        assertTrue(zero.getMessage().contains("condense.prune") && zero.getMessage().contains("threshold"),
                zero.getMessage());
        SettingsException hidden = assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t",
                List.of("prune.method=movement", "prune.groups=[{granularity=hidden,sparsity=0.25}]")));
        assertTrue(hidden.getMessage().contains("hidden dimensions"), hidden.getMessage());
        SettingsException gone = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.bias-compensation=true")));
        assertTrue(gone.getMessage().contains("condense.prune.bias-compensation"), gone.getMessage());
    }

    @Test
    void theNuclearNormIsOffByDefaultAndItsSettingsAreChecked() {
        assertFalse(SettingsLoader.load("", "t", List.of()).prune().pruner().nuclearNorm().on());
        var on = SettingsLoader.load("", "t", List.of("prune.method=taylor", "prune.nuclear-norm.lambda=1e-3",
                "prune.nuclear-norm.rank=16"))
                .prune().pruner().nuclearNorm();
        assertEquals(1e-3, on.lambda(), 0.0);
        assertEquals(16, on.rank());
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.nuclear-norm.lambda=-1")));
        assertTrue(e.getMessage().startsWith("setting condense.prune.nuclear-norm.lambda = -1"), e.getMessage());
    }

    /** LoSparse's settings: off and summing by default; a decay of 0 or a fraction above 1 names its key. */
    @Test
    void loSparseSettingsAreOffByDefaultAndChecked() {
        CondenseSettings.Prune defaults = SettingsLoader.load("", "t", List.of()).prune();
        assertEquals(0.0, defaults.lowRank().fraction(), 0.0);
        assertEquals(1.0, defaults.pruner().scoreDecay(), 0.0);
        CondenseSettings.Prune on = SettingsLoader.load("", "t", List.of("prune.low-rank.fraction=0.1",
                "prune.low-rank.kinds=[ffn-in]", "prune.score-decay=0.5")).prune();
        assertEquals(0.5, on.pruner().scoreDecay(), 0.0);
        assertEquals(java.util.Set.of(dev.condense.models.prune.MatrixKind.FFN_IN), on.lowRank().kinds());
        for (String bad : List.of("prune.score-decay=0", "prune.low-rank.fraction=1.5",
                "prune.low-rank.kinds=[embeddings]")) {
            String key = bad.substring(0, bad.indexOf('='));
            SettingsException e = assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t",
                    List.of(bad)));
            assertTrue(e.getMessage().startsWith("setting condense." + key), e.getMessage());
        }
        SettingsException rate = assertThrows(SettingsException.class, () -> SettingsLoader.load("", "t",
                List.of("factorise.multiplier-learning-rate=0")));
        assertTrue(rate.getMessage().startsWith("setting condense.factorise.multiplier-learning-rate"),
                rate.getMessage());
    }

    @Test
    void anOutOfRangeSparsityNamesItsGroupKey() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> load("[{kinds=[query],granularity=element,sparsity=1.5}]"));
        assertTrue(e.getMessage().startsWith("setting condense.prune.groups[0].sparsity = 1.5 is invalid"),
                e.getMessage());
    }
}
