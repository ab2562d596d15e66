package dev.condense.models.prune;

import dev.condense.models.state.EncoderSpec;

import java.util.List;
import java.util.Set;

/** Pruners for tests: one group, masks chosen once at the start (one-shot), no soft-movement settings in play. */
public final class TestPruners {

    private TestPruners() {
    }

    public static Pruner oneShot(PruneGroup group, ScoreMethod method, EncoderSpec spec) {
        return oneShot(List.of(group), method, spec);
    }

    public static Pruner oneShot(List<PruneGroup> groups, ScoreMethod method, EncoderSpec spec) {
        return new Pruner(new Pruner.Spec(groups, method,
                new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1), 0, 0, 0.5, 1), spec);
    }

    /** Heads and FFN neurons of every layer, ranked across layers (global) at {@code sparsity} each. */
    public static List<PruneGroup> headsAndNeurons(double sparsity) {
        return List.of(new PruneGroup(Set.of(), Set.of(), Granularity.HEAD, sparsity, true, Set.of()),
                new PruneGroup(Set.of(), Set.of(), Granularity.NEURON, sparsity, true, Set.of()));
    }

    /** A hidden-dimension group: model-wide, so it takes no kinds, layers or exclusions. */
    public static PruneGroup hidden(double sparsity) {
        return new PruneGroup(Set.of(), Set.of(), Granularity.HIDDEN, sparsity, true, Set.of());
    }
}
