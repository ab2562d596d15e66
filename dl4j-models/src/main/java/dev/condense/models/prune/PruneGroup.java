package dev.condense.models.prune;

import java.io.Serializable;
import java.util.Set;

/**
 * One entry of a pruning selection: which matrices (kinds, layers, exclusions), at what granularity, to what
 * sparsity, ranked globally across the group or separately per matrix (per layer for heads and neurons).
 *
 * @param layers   the layers it takes; empty means every layer
 * @param sparsity the fraction of the group's structures to remove at the end of the schedule (for soft movement,
 *                 which sets its own sparsity, it is ignored)
 * @param exclude  weight names left out even if kind and layer match
 */
public record PruneGroup(Set<MatrixKind> kinds, Set<Integer> layers, Granularity granularity, double sparsity,
                         boolean global, Set<String> exclude) implements Serializable {

    public PruneGroup {
        kinds = Set.copyOf(kinds);
        layers = Set.copyOf(layers);
        exclude = Set.copyOf(exclude);
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new IllegalArgumentException("sparsity must lie in [0, 1), got " + sparsity);
        }
    }

    boolean takesLayer(int layer) {
        return layers.isEmpty() || layers.contains(layer);
    }
}
