package dev.condense.models.prune;

import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What pruning with masks chosen on the driver (magnitude, norms, Taylor) adds to a training step, without owning
 * the loop: the forward pass sees weight ⊙ mask; afterwards Taylor scores accumulate ((w·g) reduced per structure,
 * squared), and pruned weights' gradients are zeroed so the optimizer leaves them alone. The masks never change
 * here: only the driver chooses masks, from scores summed over all executors.
 */
public final class PruningStep implements StepHook {

    private final ScoreMethod method;
    private final List<List<Slot>> groupSlots;
    private final NuclearNorm.Penalty nuclearNorm;

    public PruningStep(ScoreMethod method, List<List<Slot>> groupSlots) {
        this(method, groupSlots, NuclearNorm.Penalty.OFF);
    }

    /**
     * @param nuclearNorm λ·Σ‖W ⊙ M‖_* over the masked matrices, whose gradient λ·U_k·V_kᵀ (masked like the data
     *                    gradient) is added at every step: it pushes each pruned matrix toward low rank, so that the
     *                    truncated SVD that follows pruning loses less
     */
    public PruningStep(ScoreMethod method, List<List<Slot>> groupSlots, NuclearNorm.Penalty nuclearNorm) {
        if (method.learned()) {
            throw new IllegalArgumentException(method.settingName() + " learns its scores: use MovementStep");
        }
        this.method = method;
        this.groupSlots = List.copyOf(groupSlots);
        this.nuclearNorm = nuclearNorm;
    }

    @Override
    public Session start(TrainingState state, TransformerEncoder encoder) {
        return new Session(state, encoder);
    }

    /** Dense weights, masks and this round's score increments, as ND4J arrays for the round's steps. */
    public final class Session implements StepHook.Session {
        private final MaskedWeights masked;
        private final Map<String, INDArray> increments = new LinkedHashMap<>();
        /** Each regularised matrix's right singular basis, warm-starting the next step's subspace iteration. */
        private final Map<String, INDArray> nuclearBases = new LinkedHashMap<>();

        private Session(TrainingState state, TransformerEncoder encoder) {
            masked = new MaskedWeights(state.model().weights(), state.masks());
            encoder.keepHidden(masked.hiddenKeep());
            if (method.accumulates()) {
                for (List<Slot> slots : groupSlots) {
                    for (Slot s : slots) {
                        increments.put(s.key(), NdArrays.fromTensor(Tensor.zeros(s.shape()), DataType.FLOAT));
                    }
                }
            }
        }

        @Override
        public Map<String, INDArray> optimizedWeights() {
            return masked.dense();
        }

        @Override
        public void beforeForward(Step step) {
            masked.applyTo(step.encoder().weights());
        }

        /** Gradients are with respect to the masked weights the forward pass used. */
        @Override
        public void afterBackward(Step step, Map<String, INDArray> grads) {
            Map<String, INDArray> engineWeights = step.encoder().weights();
            if (method.accumulates()) {
                for (List<Slot> slots : groupSlots) {
                    for (Slot s : slots) {
                        INDArray wg = s.reduce(name -> masked.weight(name, engineWeights).mul(grads.get(name)));
                        increments.get(s.key()).addi(wg.muli(wg));
                    }
                }
            }
            if (nuclearNorm.on()) {
                addNuclearNormGradients(grads, engineWeights);
            }
            masked.maskGradients(grads);
        }

        /** λ·U_k·V_kᵀ of each masked matrix as the forward pass saw it (W ⊙ M). */
        private void addNuclearNormGradients(Map<String, INDArray> grads, Map<String, INDArray> engineWeights) {
            masked.masks().forEach((name, mask) -> {
                INDArray g = grads.get(name);
                INDArray w = engineWeights.get(name);
                if (g == null || mask.rank() != 2) {
                    return;
                }
                int k = (int) Math.min(nuclearNorm.rank(), Math.min(w.rows(), w.columns()));
                INDArray basis = nuclearBases.get(name);
                NuclearNorm.Subgradient sub = NuclearNorm.subgradient(w, k, basis, basis == null ? 3 : 1,
                        name.hashCode());
                // the basis outlives the step: out of the step's workspace, which the next step reuses
                nuclearBases.put(name, sub.basis().detach());
                g.addi(sub.gradient().castTo(g.dataType()).muli(nuclearNorm.lambda()));
            });
        }

        /** The dense values of the masked weights, and this round's Taylor score increments (to be summed). */
        @Override
        public void finish(TensorMap model, TensorMap sums) {
            masked.writeTo(model);
            increments.forEach((k, v) -> sums.put(k, NdArrays.toTensor(v)));
        }
    }
}
