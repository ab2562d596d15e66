package dev.condense.models.prune;

import dev.condense.models.encoder.EncoderSpec;

import java.util.List;
import java.util.Set;

/** Pruners for tests: one group, masks chosen once at the start (one-shot), no soft-movement settings in play. */
public final class TestPruners {

    private TestPruners() {
    }

    public static Pruner oneShot(PruneGroup group, ScoreMethod method, EncoderSpec spec) {
        return new Pruner(new Pruner.Spec(List.of(group), method,
                new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1), 0, 0, 0.5, 1), spec);
    }

    /** A hidden-dimension group: model-wide, so it takes no kinds, layers or exclusions. */
    public static PruneGroup hidden(double sparsity) {
        return new PruneGroup(Set.of(), Set.of(), Granularity.HIDDEN, sparsity, true, Set.of());
    }
}
