package dev.condense.models.prune;

import java.util.Locale;

/**
 * How structures are ranked. With w a weight and g = ∂L/∂w of a batch's loss, and s a structure (one element, or a
 * head's, neuron's or unit's elements):
 * <ul>
 *   <li>{@code MAGNITUDE}: Σ_{e∈s} |w_e| (for one element, |w|): the level pruner.</li>
 *   <li>{@code L1}, {@code L2}: the structure's L1 or L2 norm.</li>
 *   <li>{@code TAYLOR}: Σ_batches (Σ_{e∈s} w_e·g_e)². The bracket is the first-order Taylor estimate of how much the
 *       batch's loss changes when s is zeroed (Molchanov et al., 2019); it is squared per batch so that opposite
 *       signs in different batches do not cancel, and summed over batches, which makes the score of a data set
 *       the sum of its shards' scores: summing executors' scores is exact.</li>
 *   <li>{@code MOVEMENT}: hard movement pruning (Sanh, Wolf and Rush, 2020). Every structure has a score S, a
 *       trained parameter; at every step the mask keeps the top (1 − sparsity) of S, with the sparsity the schedule
 *       gives for that step, and S learns by the straight-through gradient ∂L/∂S = Σ_{e∈s} ∂L/∂(w_e·m_e)·w_e, at
 *       kept and pruned positions alike (see {@link MovementStep}).</li>
 *   <li>{@code SOFT_MOVEMENT}: the same learned scores with the mask σ(S) &gt; τ, the threshold τ rising on the
 *       schedule, and a penalty λ·mean(σ(S)) that pushes scores down; the sparsity follows from λ
 *       ({@code regular-scale}) instead of being set.</li>
 * </ul>
 */
public enum ScoreMethod {
    MAGNITUDE, L1, L2, TAYLOR, MOVEMENT, SOFT_MOVEMENT;

    public String settingName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Scores that are accumulated from gradients during training, on every executor, and summed. */
    public boolean accumulates() {
        return this == TAYLOR;
    }

    /** Scores that are trained parameters, with masks recomputed from them at every step on every replica. */
    public boolean learned() {
        return this == MOVEMENT || this == SOFT_MOVEMENT;
    }
}
