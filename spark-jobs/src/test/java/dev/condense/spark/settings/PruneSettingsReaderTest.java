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
        return SettingsLoader.load("", "t", List.of("prune.groups=" + groups));
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
        assertEquals(ScoreMethod.MOVEMENT, SettingsLoader.load("", "t", List.of()).prune().pruner().method());
        assertEquals(ScoreMethod.RAW_MOVEMENT, SettingsLoader.load("", "t", List.of("prune.method=raw-movement"))
                .prune().pruner().method());
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.method=raw_movement")));
        assertTrue(e.getMessage().contains("condense.prune.method") && e.getMessage().contains("raw-movement"),
                e.getMessage());
    }

    @Test
    void biasCompensationIsOffUnlessAskedForAndMustBeABoolean() {
        assertFalse(SettingsLoader.load("", "t", List.of()).prune().pruner().biasCompensation());
        assertTrue(SettingsLoader.load("", "t", List.of("prune.bias-compensation=true")).prune().pruner()
                .biasCompensation());
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.bias-compensation=sometimes")));
        assertTrue(e.getMessage().contains("condense.prune.bias-compensation"), e.getMessage());
    }

    @Test
    void theNuclearNormIsOffByDefaultAndItsSettingsAreChecked() {
        assertFalse(SettingsLoader.load("", "t", List.of()).prune().pruner().nuclearNorm().on());
        var on = SettingsLoader.load("", "t", List.of("prune.nuclear-norm.lambda=1e-3", "prune.nuclear-norm.rank=16"))
                .prune().pruner().nuclearNorm();
        assertEquals(1e-3, on.lambda(), 0.0);
        assertEquals(16, on.rank());
        SettingsException e = assertThrows(SettingsException.class,
                () -> SettingsLoader.load("", "t", List.of("prune.nuclear-norm.lambda=-1")));
        assertTrue(e.getMessage().startsWith("setting condense.prune.nuclear-norm.lambda = -1"), e.getMessage());
    }

    @Test
    void anOutOfRangeSparsityNamesItsGroupKey() {
        SettingsException e = assertThrows(SettingsException.class,
                () -> load("[{kinds=[query],granularity=element,sparsity=1.5}]"));
        assertTrue(e.getMessage().startsWith("setting condense.prune.groups[0].sparsity = 1.5 is invalid"),
                e.getMessage());
    }
}
