package dev.condense.models.prune;

import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.factor.NuclearNorm;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.TrainingState;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * What pruning adds to a training step, without owning the loop: the forward pass sees weight ⊙ mask; afterwards
 * gradient-based scores accumulate (w·g reduced per structure), learned soft-movement scores get their
 * straight-through gradient, and pruned weights' gradients are zeroed so the optimizer leaves them alone. The
 * masks themselves never change here: only the driver chooses masks, from scores summed over all executors. With
 * bias compensation on, it also sums each masked matrix's inputs over real tokens for {@link BiasCompensation}.
 */
public final class PruningStep implements Serializable {

    public static final String SOFT_SCORE_PREFIX = "scores.soft/";
    /** Suffix of the key under which {@code MOVEMENT} sends Σu² beside Σu (see {@link ScoreMethod}). */
    public static final String SQUARES_SUFFIX = "#squares";

    private final ScoreMethod method;
    private final List<List<Slot>> groupSlots;
    private final double regularScale;
    private final boolean sumInputs;
    private final NuclearNorm.Penalty nuclearNorm;

    public PruningStep(ScoreMethod method, List<List<Slot>> groupSlots, double regularScale) {
        this(method, groupSlots, regularScale, false, NuclearNorm.Penalty.OFF);
    }

    /**
     * @param sumInputs   whether to sum the masked matrices' inputs for {@link BiasCompensation}
     * @param nuclearNorm λ·Σ‖W ⊙ M‖_* over the masked matrices, whose gradient λ·U_k·V_kᵀ (masked like the data
     *                    gradient) is added at every step: it pushes each pruned matrix toward low rank, so that the
     *                    truncated SVD that follows pruning loses less
     */
    public PruningStep(ScoreMethod method, List<List<Slot>> groupSlots, double regularScale, boolean sumInputs,
                       NuclearNorm.Penalty nuclearNorm) {
        this.method = method;
        this.groupSlots = List.copyOf(groupSlots);
        this.regularScale = regularScale;
        this.sumInputs = sumInputs;
        this.nuclearNorm = nuclearNorm;
    }

    public ScoreMethod method() {
        return method;
    }

    public List<List<Slot>> groupSlots() {
        return groupSlots;
    }

    /**
     * N in the soft-movement penalty (λ/N)·Σσ(S): normalising by the number of scored weights keeps λ on the scale
     * of the per-weight data gradient (a mean loss), as in the movement-pruning reference code.
     */
    private long scoredElements() {
        long n = 0;
        for (List<Slot> slots : groupSlots) {
            for (Slot s : slots) {
                n += s.size();
            }
        }
        return Math.max(1, n);
    }

    /** Per-replica working state for one round. */
    public Session start(TrainingState state) {
        return new Session(state);
    }

    /** Dense weights, masks and this round's score increments, as ND4J arrays for the round's steps. */
    public final class Session {
        private final Map<String, INDArray> dense = new LinkedHashMap<>();
        private final Map<String, INDArray> masks = new LinkedHashMap<>();
        private final Map<String, INDArray> increments = new LinkedHashMap<>();
        /** Each regularised matrix's right singular basis, warm-starting the next step's subspace iteration. */
        private final Map<String, INDArray> nuclearBases = new LinkedHashMap<>();

        private Session(TrainingState state) {
            state.masks().asMap().forEach((name, m) -> {
                masks.put(name, NdArrays.fromTensor(m, DataType.FLOAT));
                dense.put(name, NdArrays.fromTensor(state.model().weights().get(name), DataType.FLOAT));
            });
            if (sumInputs) {
                increments.put(BiasCompensation.TOKENS_KEY, Nd4j.zeros(DataType.FLOAT, 1));
                dense.forEach((name, w) -> {
                    if (w.rank() == 2) {
                        increments.put(BiasCompensation.inputSumKey(name), Nd4j.zeros(DataType.FLOAT, w.rows()));
                    }
                });
            }
            if (method.accumulates()) {
                for (List<Slot> slots : groupSlots) {
                    for (Slot s : slots) {
                        increments.put(s.key(), NdArrays.fromTensor(Tensor.zeros(s.shape()), DataType.FLOAT));
                        if (method == ScoreMethod.MOVEMENT) {
                            increments.put(s.key() + SQUARES_SUFFIX,
                                    NdArrays.fromTensor(Tensor.zeros(s.shape()), DataType.FLOAT));
                        }
                    }
                }
            }
        }

        /** The kept hidden dimensions when hidden-dimension pruning is on, else null (for the engine's norms). */
        public INDArray hiddenKeep() {
            return masks.get(MaskSet.HIDDEN_MASK_CARRIER);
        }

        /** The weights the optimizer updates: the dense copies of masked weights stand in for the engine's. */
        public Map<String, INDArray> optimizedWeights(Map<String, INDArray> engineWeights) {
            Map<String, INDArray> out = new LinkedHashMap<>(engineWeights);
            out.putAll(dense);
            return out;
        }

        /** Before the forward pass: engine weight = dense weight ⊙ mask. */
        public void applyMasks(Map<String, INDArray> engineWeights) {
            masks.forEach((name, mask) -> engineWeights.get(name).assign(dense.get(name)).muli(mask));
        }

        /**
         * After the forward pass: with bias compensation on, adds each masked encoder matrix's inputs, summed over
         * the batch's real tokens, and the number of those tokens.
         */
        public void afterForward(ForwardPass pass) {
            if (!sumInputs) {
                return;
            }
            INDArray real = Nd4j.createFromArray(pass.batch().mask()).reshape(pass.batch().mask().length, 1);
            boolean any = false;
            for (String name : dense.keySet()) {
                INDArray x = pass.linearInput(name);
                INDArray sum = increments.get(BiasCompensation.inputSumKey(name));
                if (x != null && sum != null) {
                    sum.addi(x.mulColumnVector(real).sum(0));
                    any = true;
                }
            }
            if (any) {
                increments.get(BiasCompensation.TOKENS_KEY).addi(real.sumNumber().doubleValue());
            }
        }

        /** After the backward pass (gradients are with respect to the masked weights the forward used). */
        public void afterBackward(Map<String, INDArray> grads, Map<String, INDArray> extras,
                                  Map<String, INDArray> engineWeights) {
            Function<String, INDArray> weight = name -> dense.getOrDefault(name,
                    engineWeights.get(name));
            if (method.accumulates()) {
                for (List<Slot> slots : groupSlots) {
                    for (Slot s : slots) {
                        INDArray wg = s.reduce(name -> weight.apply(name).mul(grads.get(name)));
                        INDArray inc = increments.get(s.key());
                        if (method == ScoreMethod.TAYLOR) {
                            inc.addi(wg.muli(wg));
                        } else {
                            inc.subi(wg);
                            if (method == ScoreMethod.MOVEMENT) {
                                increments.get(s.key() + SQUARES_SUFFIX).addi(wg.muli(wg));
                            }
                        }
                    }
                }
            }
            if (method == ScoreMethod.SOFT_MOVEMENT) {
                double penalty = regularScale / scoredElements();
                for (List<Slot> slots : groupSlots) {
                    for (Slot s : slots) {
                        String weightName = s.members().get(0).weight();
                        INDArray score = extras.get(SOFT_SCORE_PREFIX + s.key());
                        // straight-through ∂L/∂S = g ⊙ w, plus the penalty's (λ/N)·σ(S)·(1 − σ(S))
                        INDArray sig = Transforms.sigmoid(score, true);
                        INDArray dScore = grads.get(weightName).mul(weight.apply(weightName))
                                .addi(sig.muli(sig.rsub(1.0)).muli(penalty));
                        grads.put(SOFT_SCORE_PREFIX + s.key(), dScore);
                    }
                }
            }
            if (nuclearNorm.on()) {
                addNuclearNormGradients(grads, engineWeights);
            }
            masks.forEach((name, mask) -> {
                INDArray g = grads.get(name);
                if (g != null) {
                    g.muli(mask);
                }
            });
        }

        /** λ·U_k·V_kᵀ of each masked matrix as the forward pass saw it (W ⊙ M). */
        private void addNuclearNormGradients(Map<String, INDArray> grads, Map<String, INDArray> engineWeights) {
            masks.forEach((name, mask) -> {
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

        /** The dense values of the masked weights, to return in the replica's state. */
        public Map<String, INDArray> denseWeights() {
            return dense;
        }

        /** This round's score increments (for {@code MOVEMENT}, Σu and Σu²), to be summed over replicas. */
        public TensorMap increments() {
            TensorMap out = new TensorMap();
            increments.forEach((k, v) -> out.put(k, NdArrays.toTensor(v)));
            return out;
        }
    }
}
