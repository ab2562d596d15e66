package dev.condense.models.prune;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.StepHook;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The driver's side of pruning: from the scores summed over all executors (for Taylor), the averaged weights (for
 * magnitude and norms) or the averaged learned scores (for movement) it chooses every group's masks at the sparsity
 * the schedule gives for the current step. Deciding here, once, is the point: masks chosen separately on each
 * worker would disagree, and averaged weights would not stay zero where pruned. It decides only; the training loop
 * is the replicas' ({@link #step()}), and composing the two into training states is {@link PrunedTraining}'s job.
 */
public final class Pruner implements Serializable {

    /**
     * @param initialSparsity the sparsity the schedule starts from
     * @param regularScale    soft movement's final penalty λ on the mean of σ(S)
     * @param softThreshold   soft movement's final threshold τ: an element is kept while σ(S) &gt; τ_t
     * @param initialScore    movement's starting score S for every structure
     * @param nuclearNorm     the nuclear-norm regulariser on the pruned matrices (see {@link PruningStep})
     * @param scoreDecay      each round the accumulated Taylor scores are multiplied by this before the round's
     *                        scores are added: 1 sums every round; below 1 is an exponential moving average
     *                        (LoSparse's smoothing of Taylor importance), whose memory is about 1 / (1 − decay) rounds
     */
    public record Spec(List<PruneGroup> groups, ScoreMethod method, SparsitySchedule schedule,
                       double initialSparsity, double regularScale, double softThreshold, double initialScore,
                       NuclearNorm.Penalty nuclearNorm, double scoreDecay) implements Serializable {

        /** Without nuclear norm, summing every round's scores. */
        public Spec(List<PruneGroup> groups, ScoreMethod method, SparsitySchedule schedule, double initialSparsity,
                    double regularScale, double softThreshold, double initialScore) {
            this(groups, method, schedule, initialSparsity, regularScale, softThreshold, initialScore,
                    NuclearNorm.Penalty.OFF, 1.0);
        }

        public Spec {
            if (!(scoreDecay > 0 && scoreDecay <= 1)) {
                throw new IllegalArgumentException("score decay must lie in (0, 1], got " + scoreDecay);
            }
            groups = List.copyOf(groups);
            if (groups.isEmpty()) {
                throw new IllegalArgumentException("no pruning groups");
            }
            if (method.learned() && groups.stream().anyMatch(g -> g.granularity() == Granularity.HIDDEN)) {
                throw new IllegalArgumentException(method.settingName() + " learns scores for elements, units, "
                        + "heads and neurons; prune hidden dimensions with magnitude, l1, l2 or taylor");
            }
            if (method.learned() && nuclearNorm.on()) {
                throw new IllegalArgumentException("the nuclear-norm penalty goes with magnitude, norm or taylor "
                        + "masks, not with " + method.settingName());
            }
            if (method == ScoreMethod.SOFT_MOVEMENT && !(softThreshold > 0 && softThreshold < 1)) {
                throw new IllegalArgumentException("soft movement's threshold must lie in (0, 1), got "
                        + softThreshold);
            }
        }
    }

    /** The masks chosen for a step, and the accumulated scores they were chosen from. */
    public record Decision(TensorMap scores, TensorMap masks) {
    }

    private final Spec spec;
    private final List<List<Slot>> slots = new ArrayList<>();

    public Pruner(Spec spec, EncoderSpec model) {
        if (!model.isPrunable()) {
            throw new IllegalArgumentException("pruning works on every layer's full heads and neurons, with each "
                    + "matrix dense or carrying a full sparse residual (LoSparse); this model has already been "
                    + "shrunk or factorised");
        }
        this.spec = spec;
        for (int g = 0; g < spec.groups().size(); g++) {
            slots.add(StructureIndex.slots(spec.groups().get(g), g, model));
        }
    }

    public Spec spec() {
        return spec;
    }

    public List<List<Slot>> slots() {
        return slots;
    }

    /** The executor-side hook: learned movement scores, or fixed masks with Taylor statistics. */
    public StepHook step() {
        return spec.method().learned() ? new MovementStep(spec, slots)
                : new PruningStep(spec.method(), slots, spec.nuclearNorm());
    }

    /** The trainable extras pruning adds: movement's scores, every one at the initial score. */
    public TensorMap initialExtras() {
        TensorMap extras = new TensorMap();
        if (spec.method().learned()) {
            for (List<Slot> group : slots) {
                for (Slot s : group) {
                    float[] initial = new float[Math.toIntExact(s.size())];
                    Arrays.fill(initial, (float) spec.initialScore());
                    extras.put(MovementStep.scoreName(s), new Tensor(s.shape().clone(), initial));
                }
            }
        }
        return extras;
    }

    /** Zero accumulated scores, one tensor per slot, for methods whose scores are summed over rounds. */
    public TensorMap initialScores() {
        TensorMap scores = new TensorMap();
        if (spec.method().accumulates()) {
            for (List<Slot> group : slots) {
                for (Slot s : group) {
                    scores.put(s.key(), Tensor.zeros(s.shape()));
                }
            }
        }
        return scores;
    }

    /**
     * Adds a round's summed score increments to the accumulated scores (other summed statistics are ignored), then
     * chooses every mask for optimizer step {@code step}.
     *
     * @param weights the averaged weights (magnitude and norms rank them)
     * @param extras  the averaged trainable extras (movement ranks its learned scores)
     */
    public Decision decide(TensorMap weights, TensorMap extras, TensorMap accumulated, TensorMap roundSums,
                           long step) {
        TensorMap previous = accumulated.copy();
        // a decay of 1 (the default) keeps the plain sum: no pass over every element score to multiply by 1
        TensorMap scores = (spec.scoreDecay() == 1 ? previous : previous.scale(spec.scoreDecay()))
                .accumulate(roundSums, false);
        TensorMap structureMasks = new TensorMap();
        for (int g = 0; g < slots.size(); g++) {
            PruneGroup group = spec.groups().get(g);
            List<Slot> groupSlots = slots.get(g);
            TensorMap chosen = spec.method() == ScoreMethod.SOFT_MOVEMENT
                    ? MaskChooser.threshold(groupSlots, learnedScores(extras, groupSlots),
                    MovementStep.logit(spec.softThreshold() * spec.schedule().fraction(step)))
                    : MaskChooser.choose(group, groupSlots, rankingScores(weights, extras, scores, groupSlots),
                    spec.schedule().sparsity(spec.initialSparsity(), group.sparsity(), step));
            chosen.asMap().forEach(structureMasks::put);
        }
        return new Decision(scores, MaskSet.expand(slots, structureMasks, weights));
    }

    private TensorMap rankingScores(TensorMap weights, TensorMap extras, TensorMap accumulated,
                                    List<Slot> groupSlots) {
        if (spec.method().accumulates()) {
            return accumulated;
        }
        if (spec.method().learned()) {
            return learnedScores(extras, groupSlots);
        }
        TensorMap out = new TensorMap();
        boolean l2 = spec.method() == ScoreMethod.L2;
        for (Slot s : groupSlots) {
            INDArray norm = s.reduce(name -> {
                INDArray w = NdArrays.fromTensor(weights.get(name), DataType.FLOAT);
                return l2 ? w.muli(w) : Transforms.abs(w, false);
            });
            out.put(s.key(), NdArrays.toTensor((l2 ? Transforms.sqrt(norm, false) : norm).reshape(s.shape())));
        }
        return out;
    }

    /** Movement's learned scores under the slots' keys. */
    private static TensorMap learnedScores(TensorMap extras, List<Slot> groupSlots) {
        TensorMap out = new TensorMap();
        for (Slot s : groupSlots) {
            out.put(s.key(), extras.get(MovementStep.scoreName(s)));
        }
        return out;
    }
}
