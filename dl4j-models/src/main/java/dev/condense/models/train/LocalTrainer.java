package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.DropoutMask;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One replica: K AdamW steps on an iterator of batches, from a {@link TrainingState} to a new one. The loss is an
 * {@link Objective} (cross-entropy, or distillation from a teacher); compression methods hook in around the step
 * ({@link StepHook}: pruning, learned movement scores, rank gates). Deterministic for the same state and batches;
 * knows nothing of Spark.
 */
public final class LocalTrainer {

    /** Sum over steps of one-hot layer matches: [teacher layers, student hidden states]. */
    public static final String LAYER_MAPPING_COUNTS = "stats/layer-mapping";

    /**
     * Each local step's loss summed over its examples, [K]; with {@link #STEP_EXAMPLES} summed over replicas, which
     * take their steps in lockstep, it gives the loss of every optimizer step, not only of every round.
     */
    public static final String STEP_LOSS = "stats/step-loss";
    /** Each local step's example count, [K]. */
    public static final String STEP_EXAMPLES = "stats/step-examples";

    /** The arena of one training step (see {@link StepWorkspace}). */
    static final String WORKSPACE = "condense-train-step";

    private final OptimizerSettings settings;
    private final Objective objective;
    private final List<StepHook> hooks;

    public LocalTrainer(OptimizerSettings settings) {
        this(settings, Objective.crossEntropy(), List.of());
    }

    /** @param hooks called in this order at every step */
    public LocalTrainer(OptimizerSettings settings, Objective objective, List<StepHook> hooks) {
        this.settings = settings;
        this.objective = objective;
        this.hooks = List.copyOf(hooks);
    }

    /** Trains a replica from {@code start} (which it only reads) for up to {@code steps} of {@code batches}. */
    public ReplicaResult train(TrainingState start, Iterator<Batch> batches, int steps) {
        Replica replica = new Replica(start);
        TransformerEncoder encoder = replica.encoder;
        Map<String, INDArray> extras = replica.extras;
        List<StepHook.Session> sessions = replica.sessions;
        AdamW adam = new AdamW(settings);
        MappingCounts mapping = new MappingCounts();
        float[] stepLoss = new float[steps];
        float[] stepExamples = new float[steps];
        double lossSum = 0;
        long examples = 0;
        int done = 0;
        long step = replica.firstStep;
        while (done < steps && batches.hasNext()) {
            Batch batch = batches.next();
            StepHook.Step current = new StepHook.Step(encoder, extras, ++step, batch.size());
            try (MemoryWorkspace ws = StepWorkspace.open(WORKSPACE)) {
                sessions.forEach(s -> s.beforeForward(current));
                ForwardPass pass = encoder.forward(batch, settings.dropout(), dropoutSeed(step, batch));
                sessions.forEach(s -> s.afterForward(pass));
                Objective.StepLoss loss = objective.loss(pass, batch, extras);
                Map<String, INDArray> grads = encoder.backward(pass, loss.dLogits(), loss.dHidden());
                grads.putAll(loss.extraGrads());
                sessions.forEach(s -> s.afterBackward(current, grads));
                adam.step(replica.optimized, grads, replica.m, replica.v, step);
                lossSum += loss.lossSum();
                stepLoss[done] = (float) loss.lossSum();
                mapping.add(loss.layerMapping(), encoder.spec().layers() + 1);
            }
            examples += batch.size();
            stepExamples[done] = batch.size();
            done++;
        }
        TensorMap model = encoder.toState().weights();
        TensorMap sums = new TensorMap();
        sessions.forEach(s -> s.finish(model, sums));
        mapping.addTo(sums);
        sums.put(STEP_LOSS, new Tensor(new long[] {steps}, stepLoss));
        sums.put(STEP_EXAMPLES, new Tensor(new long[] {steps}, stepExamples));
        TrainingState end = new TrainingState(new ModelState(encoder.spec(), model), toTensors(extras),
                toTensors(replica.m), toTensors(replica.v), replica.scores, replica.masks, step);
        replica.release();
        return new ReplicaResult(end, lossSum, examples, done, sums);
    }

    /**
     * The seed of a step's dropout masks: its step number and its batch's inputs, so that a step computes the same
     * on any run of the same state and batches (a resumed one too), and replicas, which take the same step numbers
     * on different shards, draw different masks.
     */
    static long dropoutSeed(long step, Batch batch) {
        return DropoutMask.derive(step, batch.fingerprint());
    }

    /** What a replica trains: the engine, the extras and moments as arrays, the hooks' sessions. */
    private final class Replica {
        final TransformerEncoder encoder;
        final Map<String, INDArray> extras;
        final Map<String, INDArray> m;
        final Map<String, INDArray> v;
        final List<StepHook.Session> sessions = new ArrayList<>();
        /** Everything the optimizer updates, by name: weights, the hooks' trained tensors, extras. */
        final Map<String, INDArray> optimized;
        /** The parts of the start state passed through untouched (small: per-head or per-neuron, and masks). */
        final TensorMap scores;
        final TensorMap masks;
        final long firstStep;

        Replica(TrainingState start) {
            encoder = TransformerEncoder.of(start.model(), DataType.FLOAT, settings.frozen());
            extras = toArrays(start.extra());
            m = toArrays(start.firstMoment());
            v = toArrays(start.secondMoment());
            optimized = new LinkedHashMap<>(encoder.weights());
            for (StepHook hook : hooks) {
                StepHook.Session session = hook.start(start, encoder);
                optimized.putAll(session.optimizedWeights());
                sessions.add(session);
            }
            optimized.putAll(extras);
            scores = start.scores();
            masks = start.masks();
            firstStep = start.step();
        }

        /** Frees the replica's native buffers once its result is on the heap (see {@link NdArrays#release}). */
        void release() {
            encoder.release();
            NdArrays.release(optimized.values());
            NdArrays.release(m.values());
            NdArrays.release(v.values());
        }
    }

    static Map<String, INDArray> toArrays(TensorMap map) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        map.asMap().forEach((name, t) -> out.put(name, NdArrays.fromTensor(t, DataType.FLOAT)));
        return out;
    }

    static TensorMap toTensors(Map<String, INDArray> arrays) {
        TensorMap out = new TensorMap();
        arrays.forEach((name, a) -> out.put(name, NdArrays.toTensor(a)));
        return out;
    }

    /** Counts how often each teacher layer was matched to each student layer. */
    private static final class MappingCounts {
        private float[] counts;
        private int teacherLayers;
        private int width;

        void add(int[] mapping, int studentStates) {
            if (mapping == null) {
                return;
            }
            if (counts == null) {
                teacherLayers = mapping.length;
                width = studentStates;
                counts = new float[teacherLayers * width];
            }
            for (int i = 0; i < mapping.length; i++) {
                counts[i * width + mapping[i]]++;
            }
        }

        void addTo(TensorMap sums) {
            if (counts != null) {
                sums.put(LAYER_MAPPING_COUNTS, new Tensor(new long[] {teacherLayers, width}, counts));
            }
        }
    }
}
