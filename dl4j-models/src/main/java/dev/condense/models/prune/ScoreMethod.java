package dev.condense.models.prune;

import java.util.Locale;

/**
 * How structures are ranked. With w a weight and g = ∂L/∂w of the summed loss of a batch (L = Σ examples' losses),
 * and s a structure (one element, or a head's, neuron's or unit's elements):
 * <ul>
 *   <li>{@code MAGNITUDE}: Σ_{e∈s} |w_e| (for one element, |w|): the level pruner.</li>
 *   <li>{@code L1}, {@code L2}: the structure's L1 or L2 norm.</li>
 *   <li>{@code TAYLOR}: Σ_batches (Σ_{e∈s} w_e·g_e)². The bracket is the first-order Taylor estimate of how much the
 *       batch's loss changes when s is zeroed (Molchanov et al., 2019); it is squared per batch so that opposite
 *       signs in different batches do not cancel, and summed over batches, which makes the score of a data set
 *       the sum of its shards' scores: summing executors' scores is exact.</li>
 *   <li>{@code MOVEMENT}: hard movement pruning (Sanh et al., 2020): S = −Σ_steps Σ_{e∈s} w_e·g_e, the
 *       straight-through accumulation of ∂L/∂S; structures moving away from zero score high. Masks are the top-k of
 *       S; pruned weights keep their values and scores, so a structure can come back.</li>
 *   <li>{@code SOFT_MOVEMENT}: element scores S learned by the optimizer through a threshold (mask = S &gt; τ,
 *       straight-through ∂L/∂S = g'·w), with an L1 penalty (λ/N)·Σσ(S) over the N scored weights that pushes
 *       scores down; the sparsity follows from λ ({@code regular-scale}) instead of being set.</li>
 * </ul>
 */
public enum ScoreMethod {
    MAGNITUDE, L1, L2, TAYLOR, MOVEMENT, SOFT_MOVEMENT;

    public String settingName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Scores that are accumulated from gradients during training, on every executor. */
    public boolean accumulates() {
        return this == TAYLOR || this == MOVEMENT;
    }
}
