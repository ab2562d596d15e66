package dev.condense.models.prune;

import dev.condense.models.encoder.EncoderSpec;
import dev.condense.models.factor.NuclearNorm;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.TrainingState;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The driver's side of pruning: from the scores summed over all executors (or, for magnitude and norms, from
 * the averaged weights) it chooses every group's masks at the sparsity the schedule gives for the current step.
 * Deciding here, once, is the point: masks chosen separately on each worker would disagree, and averaged weights
 * would not stay zero where pruned.
 */
public final class Pruner implements Serializable {

    /**
     * @param initialSparsity the sparsity the schedule starts from
     * @param regularScale    soft movement's penalty λ on Σσ(S)
     * @param softThreshold   soft movement keeps an element while σ(S) &gt; this
     * @param initialScore    soft movement's starting score S for every element
     * @param biasCompensation whether a mask change moves the removed weights' mean contribution into the biases
     *                         (see {@link BiasCompensation})
     * @param nuclearNorm      the nuclear-norm regulariser on the pruned matrices (see {@link PruningStep})
     * @param scoreDecay       each round the accumulated scores are multiplied by this before the round's scores
     *                         are added: 1 sums every round; below 1 is an exponential moving average (LoSparse's
     *                         smoothing of Taylor importance), whose memory is about 1 / (1 − decay) rounds
     */
    public record Spec(List<PruneGroup> groups, ScoreMethod method, SparsitySchedule schedule,
                       double initialSparsity, double regularScale, double softThreshold, double initialScore,
                       boolean biasCompensation, NuclearNorm.Penalty nuclearNorm, double scoreDecay)
            implements Serializable {

        /** Without bias compensation or nuclear norm, summing every round's scores. */
        public Spec(List<PruneGroup> groups, ScoreMethod method, SparsitySchedule schedule, double initialSparsity,
                    double regularScale, double softThreshold, double initialScore) {
            this(groups, method, schedule, initialSparsity, regularScale, softThreshold, initialScore, false,
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
            if (method == ScoreMethod.SOFT_MOVEMENT
                    && groups.stream().anyMatch(g -> g.granularity() != Granularity.ELEMENT)) {
                throw new IllegalArgumentException("soft movement learns one score per weight: use granularity element");
            }
        }
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

    public List<List<Slot>> slots() {
        return slots;
    }

    /** The executor-side hook. */
    public PruningStep step() {
        return new PruningStep(spec.method(), slots, spec.regularScale(), spec.biasCompensation(),
                spec.nuclearNorm());
    }

    /** Zero scores (and soft-movement score parameters), then the masks for step {@code state.step()}. */
    public TrainingState initialize(TrainingState state) {
        TensorMap scores = new TensorMap();
        TensorMap extras = new TensorMap();
        for (List<Slot> group : slots) {
            for (Slot s : group) {
                if (spec.method().accumulates()) {
                    scores.put(s.key(), Tensor.zeros(s.shape()));
                }
                if (spec.method() == ScoreMethod.SOFT_MOVEMENT) {
                    float[] init = new float[(int) s.size()];
                    Arrays.fill(init, (float) spec.initialScore());
                    extras.put(PruningStep.SOFT_SCORE_PREFIX + s.key(), new Tensor(s.shape().clone(), init));
                }
            }
        }
        TrainingState withScores = state.withExtra(extras).withScoresAndMasks(scores, state.masks());
        return updateMasks(withScores, new TensorMap());
    }

    /**
     * Adds the round's summed score increments, then re-chooses every mask (and, with bias compensation, moves the
     * changed weights' mean contributions into the biases).
     */
    public TrainingState updateMasks(TrainingState state, TensorMap increments) {
        TensorMap scoreSums = withoutInputStatistics(increments);
        TensorMap roundScores = spec.method() == ScoreMethod.MOVEMENT ? signalToNoise(scoreSums) : scoreSums;
        TensorMap previous = state.scores().copy();
        // a decay of 1 (the default) keeps the plain sum: no pass over every element score to multiply by 1
        TensorMap scores = (spec.scoreDecay() == 1 ? previous : previous.scale(spec.scoreDecay()))
                .accumulate(roundScores, false);
        TensorMap structureMasks = new TensorMap();
        for (int g = 0; g < slots.size(); g++) {
            PruneGroup group = spec.groups().get(g);
            List<Slot> groupSlots = slots.get(g);
            TensorMap chosen = spec.method() == ScoreMethod.SOFT_MOVEMENT
                    ? MaskChooser.threshold(groupSlots, softScores(state, groupSlots), logit(spec.softThreshold()))
                    : MaskChooser.choose(group, groupSlots, rankingScores(state, scores, groupSlots),
                    spec.schedule().sparsity(spec.initialSparsity(), group.sparsity(), state.step()));
            chosen.asMap().forEach(structureMasks::put);
        }
        TensorMap masks = MaskSet.expand(slots, structureMasks, state.model().weights());
        TrainingState chosen = state.withScoresAndMasks(scores, masks);
        if (!spec.biasCompensation()) {
            return chosen;
        }
        TensorMap weights = BiasCompensation.apply(state.model().weights(), state.masks(), masks, increments);
        return chosen.withModel(new ModelState(state.model().spec(), weights));
    }

    private static TensorMap withoutInputStatistics(TensorMap sums) {
        TensorMap out = new TensorMap();
        for (String key : sums.names()) {
            if (!BiasCompensation.isInputStatistic(key)) {
                out.put(key, sums.get(key));
            }
        }
        return out;
    }

    /**
     * A round's movement score Σu / √(Σu²) per structure, from the sums of all replicas (0 where u was always 0).
     * The ratio is taken here, after the sums are summed, so it does not depend on how the data was sharded. Sums
     * without squares (the trainer's other round statistics) pass through unchanged.
     */
    static TensorMap signalToNoise(TensorMap increments) {
        TensorMap out = new TensorMap();
        for (String key : increments.names()) {
            if (key.endsWith(PruningStep.SQUARES_SUFFIX)) {
                continue;
            }
            Tensor sums = increments.get(key);
            if (!increments.contains(key + PruningStep.SQUARES_SUFFIX)) {
                out.put(key, sums);
                continue;
            }
            float[] u = sums.data();
            float[] u2 = increments.get(key + PruningStep.SQUARES_SUFFIX).data();
            float[] ratio = new float[u.length];
            for (int i = 0; i < u.length; i++) {
                ratio[i] = u2[i] > 0 ? (float) (u[i] / Math.sqrt(u2[i])) : 0f;
            }
            out.put(key, new Tensor(sums.shape().clone(), ratio));
        }
        return out;
    }

    private TensorMap rankingScores(TrainingState state, TensorMap accumulated, List<Slot> groupSlots) {
        if (spec.method().accumulates()) {
            return accumulated;
        }
        TensorMap out = new TensorMap();
        TensorMap weights = state.model().weights();
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

    private static TensorMap softScores(TrainingState state, List<Slot> groupSlots) {
        TensorMap out = new TensorMap();
        for (Slot s : groupSlots) {
            out.put(s.key(), state.extra().get(PruningStep.SOFT_SCORE_PREFIX + s.key()));
        }
        return out;
    }

    private static double logit(double p) {
        return Math.log(p / (1 - p));
    }
}
