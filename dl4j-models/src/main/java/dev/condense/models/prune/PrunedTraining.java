package dev.condense.models.prune;

import dev.condense.models.state.TensorMap;
import dev.condense.models.train.TrainingState;

/**
 * Puts a {@link Pruner}'s decisions into training states: the state a pruned training starts from, and the state
 * after each round's masks are chosen. The round loop (local, or Spark's) calls these; the pruner itself only sees
 * tensors.
 */
public final class PrunedTraining {

    private PrunedTraining() {
    }

    /** {@code state} with pruning's extras (movement's scores), zero accumulated scores, and the step's masks. */
    public static TrainingState start(Pruner pruner, TrainingState state) {
        TrainingState withExtras = state.withExtra(pruner.initialExtras());
        return decide(pruner, withExtras.withScoresAndMasks(pruner.initialScores(), withExtras.masks()),
                new TensorMap());
    }

    /** {@code state} with the round's summed statistics added to its scores and the masks chosen for its step. */
    public static TrainingState decide(Pruner pruner, TrainingState state, TensorMap roundSums) {
        Pruner.Decision d = pruner.decide(state.model().weights(), state.extra(), state.scores(), roundSums,
                state.step());
        return state.withScoresAndMasks(d.scores(), d.masks());
    }
}
