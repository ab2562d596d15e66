package dev.condense.models.prune;

import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.FloatMemory;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Movement pruning as Sanh, Wolf and Rush (2020) train it: every structure's score S is a trained parameter (an
 * extra named {@code scores.movement/<slot>}, in its own optimizer group), and the mask is recomputed from S before
 * every forward pass, so a mask changes by a few weights at a time and the scores react to the mask they made.
 * <ul>
 *   <li>hard ({@link ScoreMethod#MOVEMENT}): each group keeps the top (1 − sparsity) of its scores, per slot or
 *       across the group as {@link PruneGroup#global()} says, at the sparsity the schedule gives for this step;</li>
 *   <li>soft ({@link ScoreMethod#SOFT_MOVEMENT}): it keeps σ(S) &gt; τ_t, with τ_t = τ·f(t) and f the schedule's
 *       fraction, and the loss gains λ_t·mean over slots of mean(σ(S)), λ_t = λ·f(t): nothing is pruned or
 *       penalised while f = 0.</li>
 * </ul>
 * The gradient of S is the straight-through estimate ∂L/∂S = Σ_{e∈s} ∂L/∂(w_e·m_e)·w_e at every position, kept or
 * pruned (so a pruned weight that would help pushes its score back up). Weights stay dense; only their gradient is
 * masked.
 *
 * <p>Data parallel: S and its Adam moments are averaged over replicas at every round end like the weights, and the
 * driver chooses the exported masks from the averaged S ({@link Pruner#decide}). Inside a round each replica's S
 * follows its own batches, so replicas' masks may differ by the few positions whose scores sit at the cut.
 */
public final class MovementStep implements StepHook {

    public static final String SCORE_PREFIX = "scores.movement/";

    private final Pruner.Spec spec;
    private final List<List<Slot>> groupSlots;

    MovementStep(Pruner.Spec spec, List<List<Slot>> groupSlots) {
        if (!spec.method().learned()) {
            throw new IllegalArgumentException(spec.method().settingName() + " does not learn its scores");
        }
        this.spec = spec;
        this.groupSlots = List.copyOf(groupSlots);
    }

    public static String scoreName(Slot slot) {
        return SCORE_PREFIX + slot.key();
    }

    @Override
    public Session start(TrainingState state, TransformerEncoder encoder) {
        return new Session(state);
    }

    public final class Session implements StepHook.Session {
        private final MaskedWeights masked;
        private final int slotCount;
        /** Masked weights whose mask is exactly one element slot's: written whole, never reset or multiplied. */
        private final Set<String> owned = new HashSet<>();
        /** Per slot, reused every step: its scores read out of native memory, and its 0/1 decisions. */
        private final Map<String, float[]> scores = new HashMap<>();
        private final Map<String, float[]> decisions = new HashMap<>();
        private final LowestCut.Selector selector = new LowestCut.Selector();

        private Session(TrainingState state) {
            masked = new MaskedWeights(state.model().weights(), state.masks());
            Map<String, Integer> slotsPerWeight = new HashMap<>();
            int count = 0;
            for (List<Slot> slots : groupSlots) {
                for (Slot s : slots) {
                    count++;
                    s.members().forEach(m -> slotsPerWeight.merge(m.weight(), 1, Integer::sum));
                    scores.put(s.key(), new float[Math.toIntExact(s.size())]);
                    decisions.put(s.key(), new float[Math.toIntExact(s.size())]);
                }
            }
            slotCount = count;
            for (List<Slot> slots : groupSlots) {
                for (Slot s : slots) {
                    if (wholeWeight(s) && slotsPerWeight.get(s.members().get(0).weight()) == 1) {
                        owned.add(s.members().get(0).weight());
                    }
                }
            }
        }

        @Override
        public Map<String, INDArray> optimizedWeights() {
            return masked.dense();
        }

        /** Masks from the current scores, then engine weight = dense ⊙ mask. */
        @Override
        public void beforeForward(Step step) {
            masked.masks().forEach((name, m) -> {
                if (!owned.contains(name)) {
                    m.assign(1);
                }
            });
            for (int g = 0; g < groupSlots.size(); g++) {
                PruneGroup group = spec.groups().get(g);
                List<Slot> slots = groupSlots.get(g);
                if (spec.method() == ScoreMethod.SOFT_MOVEMENT) {
                    double cut = logit(spec.softThreshold() * spec.schedule().fraction(step.number()));
                    for (Slot s : slots) {
                        keepAbove(s, step.extras(), cut);
                    }
                    continue;
                }
                double sparsity = spec.schedule().sparsity(spec.initialSparsity(), group.sparsity(), step.number());
                if (group.global()) {
                    keepTop(slots, step.extras(), sparsity);
                } else {
                    for (Slot s : slots) {
                        keepTop(List.of(s), step.extras(), sparsity);
                    }
                }
            }
            masked.applyTo(step.encoder().weights());
        }

        /**
         * ∂L/∂S by the straight-through estimate (plus soft movement's penalty), then the weights' gradients masked.
         */
        @Override
        public void afterBackward(Step step, Map<String, INDArray> grads) {
            Map<String, INDArray> engine = step.encoder().weights();
            double penalty = spec.method() == ScoreMethod.SOFT_MOVEMENT
                    ? spec.regularScale() * spec.schedule().fraction(step.number()) / slotCount : 0;
            for (List<Slot> slots : groupSlots) {
                for (Slot s : slots) {
                    INDArray score = step.extras().get(scoreName(s));
                    INDArray dScore = s.reduce(name -> masked.weight(name, engine).mul(grads.get(name)))
                            .reshape(score.shape());
                    if (penalty > 0) {
                        // λ_t/(slots·n)·Σσ(S) over this slot's n scores: gradient λ_t/(slots·n)·σ(S)·(1 − σ(S))
                        INDArray sig = Transforms.sigmoid(score, true);
                        dScore.addi(sig.muli(sig.rsub(1.0)).muli(penalty / s.size()));
                    }
                    grads.put(scoreName(s), dScore);
                }
            }
            masked.maskGradients(grads);
        }

        @Override
        public void finish(TensorMap model, TensorMap sums) {
            masked.writeTo(model);
        }

        /** Keeps all but the round(sparsity·n) lowest scores over {@code slots} (ties by position). */
        private void keepTop(List<Slot> slots, Map<String, INDArray> extras, double sparsity) {
            List<float[]> slotScores = new ArrayList<>();
            List<float[]> slotDecisions = new ArrayList<>();
            long n = 0;
            for (Slot s : slots) {
                slotScores.add(read(s, extras));
                slotDecisions.add(decisions.get(s.key()));
                n += s.size();
            }
            selector.keep(slotScores, Math.round(sparsity * n), slotDecisions);
            slots.forEach(this::apply);
        }

        /** Keeps the structures whose score is above {@code cut}. */
        private void keepAbove(Slot s, Map<String, INDArray> extras, double cut) {
            float[] score = read(s, extras);
            float[] keep = decisions.get(s.key());
            for (int i = 0; i < score.length; i++) {
                keep[i] = score[i] > cut ? 1f : 0f;
            }
            apply(s);
        }

        /** The slot's scores, copied out of native memory in one block. */
        private float[] read(Slot s, Map<String, INDArray> extras) {
            float[] out = scores.get(s.key());
            FloatMemory.of(extras.get(scoreName(s))).get(out);
            return out;
        }

        /** Puts the slot's decisions into its members' element masks: whole when it owns one, else multiplied. */
        private void apply(Slot s) {
            float[] keep = decisions.get(s.key());
            if (wholeWeight(s) && owned.contains(s.members().get(0).weight())) {
                FloatMemory.of(masked.masks().get(s.members().get(0).weight())).put(keep);
                return;
            }
            INDArray structure = Nd4j.createFromArray(keep);
            for (Slot.Member m : s.members()) {
                INDArray mask = masked.masks().get(m.weight());
                INDArray units = m.group() == 1 ? structure
                        : structure.reshape(structure.length(), 1).repeat(1, m.group()).reshape(-1);
                switch (m.axis()) {
                    case WHOLE -> mask.muli(structure.reshape(mask.shape()));
                    case COLUMNS -> mask.muliRowVector(units);
                    case ROWS -> mask.muliColumnVector(units.reshape(units.length(), 1));
                    case ENTRIES -> mask.muli(units.reshape(mask.shape()));
                }
            }
        }
    }

    /** Whether the slot is one whole weight (element granularity): its decisions are that weight's mask. */
    private static boolean wholeWeight(Slot s) {
        return s.members().size() == 1 && s.members().get(0).axis() == Slot.Axis.WHOLE;
    }

    static double logit(double p) {
        return p <= 0 ? Double.NEGATIVE_INFINITY : Math.log(p / (1 - p));
    }
}
