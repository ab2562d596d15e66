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
 *   <li>{@code MOVEMENT}: hard movement pruning (Sanh et al., 2020), with scores that grow by the movement's
 *       signal-to-noise ratio. With u = −Σ_{e∈s} w_e·g_e on one step (the straight-through ∂L/∂S, negated), each
 *       round adds Σu / √(Σu²) over every step of every replica. Structures moving steadily away from zero score
 *       high. The reference code learns S with Adam, whose update m/√v is this ratio: it does not depend on |w|.
 *       Without the normalisation ({@code RAW_MOVEMENT}) the noise in a weight's sum grows with |w|, so where the
 *       movement is mostly noise the ranking follows the weight's size, not its movement. Both sums add over
 *       shards, so the driver divides the summed sums and the score is exact however the data is split. Masks are
 *       the top-k of S; pruned weights keep their values and scores, so a structure can come back.</li>
 *   <li>{@code RAW_MOVEMENT}: S = −Σ_steps Σ_{e∈s} w_e·g_e, the plain accumulation (kept as an ablation).</li>
 *   <li>{@code SOFT_MOVEMENT}: element scores S learned by the optimizer through a threshold (mask = S &gt; τ,
 *       straight-through ∂L/∂S = g'·w), with an L1 penalty (λ/N)·Σσ(S) over the N scored weights that pushes
 *       scores down; the sparsity follows from λ ({@code regular-scale}) instead of being set.</li>
 * </ul>
 */
public enum ScoreMethod {
    MAGNITUDE, L1, L2, TAYLOR, MOVEMENT, RAW_MOVEMENT, SOFT_MOVEMENT;

    public String settingName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Scores that are accumulated from gradients during training, on every executor. */
    public boolean accumulates() {
        return this == TAYLOR || this == MOVEMENT || this == RAW_MOVEMENT;
    }
}
