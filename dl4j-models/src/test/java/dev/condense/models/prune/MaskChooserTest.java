package dev.condense.models.prune;

import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class MaskChooserTest {

    private static final List<Slot> ONE_MATRIX = List.of(new Slot("g0/m", new long[] {4, 4},
            List.of(new Slot.Member("m", Slot.Axis.WHOLE, 1))));

    @Test
    void fourByFourMatrixPrunedToExactlyHalfByMagnitude() {
        float[] magnitude = {0.9f, 0.1f, 0.5f, 0.3f, 0.05f, 0.7f, 0.2f, 0.8f, 0.6f, 0.15f, 0.4f, 0.95f, 0.25f, 0.35f,
            0.45f, 0.55f};
        TensorMap scores = new TensorMap().put("g0/m", new Tensor(new long[] {4, 4}, magnitude));
        PruneGroup group = new PruneGroup(Set.of(MatrixKind.QUERY), Set.of(), Granularity.ELEMENT, 0.5, true, Set.of());
        float[] mask = MaskChooser.choose(group, ONE_MATRIX, scores, 0.5).get("g0/m").data();
        // the eight smallest: 0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4
        assertArrayEquals(new float[] {1, 0, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1, 1}, mask);
    }

    @Test
    void tiesBreakByPositionAndNegativeScoresRankLowest() {
        float[] s = {1f, -2f, 1f, 1f};
        List<float[]> kept = MaskChooser.keepTop(List.of(s), 0.5);
        assertArrayEquals(new float[] {0, 0, 1, 1}, kept.get(0));
    }

    @Test
    void globalRankingSpansSlotsWhilePerSlotRankingDoesNot() {
        List<Slot> two = List.of(
                new Slot("g0/a", new long[] {2}, List.of(new Slot.Member("a", Slot.Axis.ENTRIES, 1))),
                new Slot("g0/b", new long[] {2}, List.of(new Slot.Member("b", Slot.Axis.ENTRIES, 1))));
        TensorMap scores = new TensorMap()
                .put("g0/a", new Tensor(new long[] {2}, new float[] {1, 2}))
                .put("g0/b", new Tensor(new long[] {2}, new float[] {3, 4}));
        PruneGroup global = new PruneGroup(Set.of(), Set.of(), Granularity.OUTPUT, 0.5, true, Set.of());
        PruneGroup local = new PruneGroup(Set.of(), Set.of(), Granularity.OUTPUT, 0.5, false, Set.of());
        TensorMap g = MaskChooser.choose(global, two, scores, 0.5);
        TensorMap l = MaskChooser.choose(local, two, scores, 0.5);
        assertArrayEquals(new float[] {0, 0}, g.get("g0/a").data());
        assertArrayEquals(new float[] {1, 1}, g.get("g0/b").data());
        assertArrayEquals(new float[] {0, 1}, l.get("g0/a").data());
        assertArrayEquals(new float[] {0, 1}, l.get("g0/b").data());
    }

    @Test
    void churnCountsChangedEntries() {
        TensorMap before = new TensorMap().put("w", new Tensor(new long[] {4}, new float[] {1, 0, 1, 1}));
        TensorMap after = new TensorMap().put("w", new Tensor(new long[] {4}, new float[] {0, 0, 1, 1}))
                .put("v", new Tensor(new long[] {4}, new float[] {1, 1, 0, 1}));
        org.junit.jupiter.api.Assertions.assertEquals(2.0 / 8, MaskSet.churn(before, after), 1e-12);
    }
}
