package dev.condense.models.factor;

import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.ParameterGroup;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What learning ranks adds to a training step, without owning the loop. Every factorised matrix in the budget has
 * a hard-concrete gate per singular direction; before the forward pass fresh noise gives each gate a value z, and
 * the engine computes U·diag(z)·V; after the backward pass ∂L/∂z becomes ∂L/∂log α, the budget's gradient is added,
 * and the multipliers get the gradient that makes them rise while the budget is not met.
 *
 * <p>The gates' log α and the multipliers are trainable extras named {@code scores.rank/<weight>} and
 * {@code multipliers.rank-budget/lambda1|lambda2}. Both skip weight decay and are averaged over replicas with the
 * weights; the gates train at the scores' learning-rate scale, the multipliers at their own constant rate (see
 * {@link dev.condense.models.train.OptimizerSettings#multiplierLearningRate}). The budget term is scaled by the
 * batch size, because the data loss is a sum over the batch's examples.
 */
public final class RankStep implements StepHook {

    public static final String LOG_ALPHA_PREFIX = "scores.rank/";
    public static final String LAMBDA1 = ParameterNames.MULTIPLIER_PREFIX + "rank-budget/lambda1";
    public static final String LAMBDA2 = ParameterNames.MULTIPLIER_PREFIX + "rank-budget/lambda2";

    /** How far from 0 a warm-started log α may start: beyond it P(open) is above 0.9999 or below 0.002. */
    static final double WARM_START_BOUND = 8;

    /** Sum over steps of the rank budget's penalty (batch-scaled), in a replica's summed statistics. */
    public static final String PENALTY = "stats/rank-penalty";

    private final RankBudget budget;
    private final long seed;
    private final double initialShare;
    private final long warmupSteps;

    /** Asks for the budget's target from the first step. */
    public RankStep(RankBudget budget, long seed) {
        this(budget, seed, budget.target(), 0);
    }

    /**
     * Lowers the target linearly from {@code initialShare} (the expected share of the initial gates) to the budget's
     * over the first {@code warmupSteps} optimizer steps, as CoFi does. Asked for at once, the target makes the
     * multipliers grow while the gates are still saturated; when the gates finally move they fall together, far
     * below the target, before the multipliers can shrink (measured on SST-2: 5% kept for a 20% target).
     */
    public RankStep(RankBudget budget, long seed, double initialShare, long warmupSteps) {
        if (warmupSteps < 0 || !(initialShare > 0)) {
            throw new IllegalArgumentException("warm-up steps must be >= 0 and the initial share > 0");
        }
        this.budget = budget;
        this.seed = seed;
        this.initialShare = initialShare;
        this.warmupSteps = warmupSteps;
    }

    /**
     * The optimizer groups of what this hook trains: the gates at {@code gateScale} × the weights' rate, the
     * multipliers at their own constant rate (CoFi gives its λ an optimizer of their own).
     */
    public static List<ParameterGroup> parameterGroups(double gateScale, double multiplierRate) {
        return List.of(ParameterGroup.constant("rank-budget multipliers", ParameterNames.MULTIPLIER_PREFIX,
                        multiplierRate),
                ParameterGroup.scaled("rank gates", LOG_ALPHA_PREFIX, gateScale));
    }

    /** The target share at optimizer step {@code step} (counted from 1 across rounds). */
    public double targetAt(long step) {
        if (warmupSteps == 0 || step >= warmupSteps) {
            return budget.target();
        }
        return initialShare + (budget.target() - initialShare) * step / warmupSteps;
    }

    /** Every budgeted matrix's gates at {@code initialLogAlpha} (open with high probability when positive). */
    public static TensorMap initialExtras(EncoderSpec spec, RankBudget budget, double initialLogAlpha) {
        return initialExtras(spec, budget, initialLogAlpha, Map.of(), 0);
    }

    /**
     * Gates warm-started from the energy λ_i of each direction (largest first, see {@link Factoriser.Factorised}):
     * log α_i = initialLogAlpha + slope·ln(λ_i / λ_k), clipped to ±{@value #WARM_START_BOUND}, where k is the rank
     * at which every gated matrix would keep the same share of its values and the whole its budget. The k-th
     * direction starts at {@code initialLogAlpha}, stronger ones more open, weaker ones less: the budget then closes
     * directions from the weak end of each spectrum first, instead of closing all of a matrix's gates together until
     * the data's gradient tells them apart. Slope 0 (or no energies) starts every gate at {@code initialLogAlpha}.
     */
    public static TensorMap initialExtras(EncoderSpec spec, RankBudget budget, double initialLogAlpha,
                                          Map<String, double[]> energies, double slope) {
        double denseValues = budget.matrices().stream().mapToDouble(m -> (double) m.in() * m.out()).sum();
        double uniformShare = Math.min(1, budget.target() * budget.referenceValues() / denseValues);
        TensorMap extras = new TensorMap();
        for (RankBudget.Matrix m : budget.matrices()) {
            float[] la = new float[spec.rank(m.weight())];
            double[] energy = energies.get(m.weight());
            if (slope == 0 || energy == null) {
                Arrays.fill(la, (float) initialLogAlpha);
            } else {
                if (energy.length != la.length) {
                    throw new IllegalArgumentException("'" + m.weight() + "' has " + la.length + " directions and "
                            + energy.length + " energies");
                }
                int k = Factoriser.rankForParameterFraction(m.in(), m.out(), uniformShare);
                double reference = Math.max(energy[Math.min(k, energy.length) - 1], Double.MIN_NORMAL);
                for (int i = 0; i < la.length; i++) {
                    double warm = initialLogAlpha + slope * Math.log(Math.max(energy[i], Double.MIN_NORMAL) / reference);
                    la[i] = (float) Math.max(-WARM_START_BOUND, Math.min(WARM_START_BOUND, warm));
                }
            }
            extras.put(LOG_ALPHA_PREFIX + m.weight(), new Tensor(new long[] {la.length}, la));
        }
        extras.put(LAMBDA1, new Tensor(new long[] {1}, new float[1]));
        extras.put(LAMBDA2, new Tensor(new long[] {1}, new float[1]));
        return extras;
    }

    /** The gates' log α by matrix, read from a state's extras. */
    public static Map<String, INDArray> logAlpha(TensorMap extras, RankBudget budget) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (RankBudget.Matrix m : budget.matrices()) {
            out.put(m.weight(), dev.condense.models.state.NdArrays.fromTensor(extras.get(LOG_ALPHA_PREFIX
                    + m.weight()), DataType.DOUBLE));
        }
        return out;
    }

    /**
     * Per-replica working state. The noise is seeded by the step the replica starts from, so a replica's steps are
     * reproducible; replicas of one round share that noise sequence and differ in their batches.
     */
    @Override
    public Session start(TrainingState state, TransformerEncoder encoder) {
        return new Session(new SplittableRandom(seed * 0x9E3779B97F4A7C15L + state.step()));
    }

    public final class Session implements StepHook.Session {
        private final SplittableRandom random;
        private final Map<String, INDArray> dzdLogAlpha = new LinkedHashMap<>();
        private double penaltySum;

        private Session(SplittableRandom random) {
            this.random = random;
        }

        /** Before the forward pass: samples every gate and hands the values to the engine. */
        @Override
        public void beforeForward(Step step) {
            Map<String, INDArray> extras = step.extras();
            Map<String, INDArray> z = new LinkedHashMap<>();
            for (RankBudget.Matrix m : budget.matrices()) {
                INDArray la = extras.get(LOG_ALPHA_PREFIX + m.weight()).castTo(DataType.DOUBLE);
                double[] u = new double[(int) la.length()];
                for (int i = 0; i < u.length; i++) {
                    u[i] = random.nextDouble(1e-6, 1 - 1e-6);
                }
                HardConcrete.Sample sample = budget.gates().sample(la, Nd4j.createFromArray(u));
                z.put(m.weight(), sample.z());
                dzdLogAlpha.put(m.weight(), sample.dzdLogAlpha());
            }
            step.encoder().gates(z);
        }

        /** After the backward pass: gate gradients become log α gradients, plus the budget's; multipliers ascend. */
        @Override
        public void afterBackward(Step step, Map<String, INDArray> grads) {
            Map<String, INDArray> extras = step.extras();
            int batchSize = step.batchSize();
            Map<String, INDArray> la = new LinkedHashMap<>();
            for (RankBudget.Matrix m : budget.matrices()) {
                la.put(m.weight(), extras.get(LOG_ALPHA_PREFIX + m.weight()).castTo(DataType.DOUBLE));
            }
            RankBudget.Terms terms = budget.terms(la, extras.get(LAMBDA1).getDouble(0),
                    extras.get(LAMBDA2).getDouble(0), targetAt(step.number()));
            penaltySum += terms.penalty() * batchSize;
            for (RankBudget.Matrix m : budget.matrices()) {
                INDArray dz = grads.remove(ParameterNames.gate(m.weight()));
                INDArray dLa = terms.dLogAlpha().get(m.weight()).muli(batchSize);
                if (dz != null) {
                    dLa.addi(dz.castTo(DataType.DOUBLE).muli(dzdLogAlpha.get(m.weight())));
                }
                INDArray target = extras.get(LOG_ALPHA_PREFIX + m.weight());
                grads.put(LOG_ALPHA_PREFIX + m.weight(), dLa.castTo(target.dataType()).reshape(target.shape()));
            }
            grads.put(LAMBDA1, Nd4j.createFromArray((float) (-terms.dLambda1() * batchSize)).reshape(1));
            grads.put(LAMBDA2, Nd4j.createFromArray((float) (-terms.dLambda2() * batchSize)).reshape(1));
        }

        /** The budget penalty summed over this replica's steps (already scaled by the batch size). */
        @Override
        public void finish(TensorMap model, TensorMap sums) {
            sums.put(PENALTY, new Tensor(new long[] {1}, new float[] {(float) penaltySum}));
        }
    }
}
