package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.factor.RankStep;
import dev.condense.models.prune.PruningStep;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One replica: K AdamW steps on an iterator of batches, from a {@link TrainingState} to a new one. The loss is an
 * {@link Objective} (cross-entropy, or distillation from a teacher); pruning, when present, hooks in around the
 * step. Deterministic for the same state and batches; knows nothing of Spark.
 */
public final class LocalTrainer {

    /** Sum over steps of one-hot layer matches: [teacher layers, student hidden states]. */
    public static final String LAYER_MAPPING_COUNTS = "stats/layer-mapping";

    /** Sum over steps of the rank budget's penalty (batch-scaled), when ranks are learned. */
    public static final String RANK_PENALTY = "stats/rank-penalty";

    private static final String WORKSPACE = "condense-train-step";

    private final OptimizerSettings settings;
    private final Objective objective;
    private final PruningStep pruning;
    private final RankStep ranks;

    public LocalTrainer(OptimizerSettings settings) {
        this(settings, Objective.crossEntropy(), null);
    }

    /** @param pruning null when nothing is pruned */
    public LocalTrainer(OptimizerSettings settings, Objective objective, PruningStep pruning) {
        this(settings, objective, pruning, null);
    }

    /** @param ranks null unless the ranks of factorised matrices are being learned */
    public LocalTrainer(OptimizerSettings settings, Objective objective, PruningStep pruning, RankStep ranks) {
        this.settings = settings;
        this.objective = objective;
        this.pruning = pruning;
        this.ranks = ranks;
    }

    public ReplicaResult train(TrainingState start, Iterator<Batch> batches, int steps) {
        TransformerEncoder encoder = TransformerEncoder.of(start.model(), DataType.FLOAT, settings.frozen());
        Map<String, INDArray> extras = toArrays(start.extra());
        Map<String, INDArray> m = toArrays(start.firstMoment());
        Map<String, INDArray> v = toArrays(start.secondMoment());
        PruningStep.Session prune = pruning == null ? null : pruning.start(start);
        RankStep.Session rank = ranks == null ? null : ranks.start(start.step());
        if (prune != null) {
            encoder.keepHidden(prune.hiddenKeep());
        }
        Map<String, INDArray> optimized = new LinkedHashMap<>(
                prune == null ? encoder.weights() : prune.optimizedWeights(encoder.weights()));
        optimized.putAll(extras);
        AdamW adam = new AdamW(settings);
        MappingCounts mapping = new MappingCounts();
        double lossSum = 0;
        long examples = 0;
        int done = 0;
        long step = start.step();
        while (done < steps && batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open(WORKSPACE)) {
                if (prune != null) {
                    prune.applyMasks(encoder.weights());
                }
                if (rank != null) {
                    rank.beforeForward(encoder, extras);
                }
                ForwardPass pass = encoder.forward(batch);
                if (prune != null) {
                    prune.afterForward(pass);
                }
                Objective.StepLoss loss = objective.loss(pass, batch, extras);
                Map<String, INDArray> grads = encoder.backward(pass, loss.dLogits(), loss.dHidden());
                grads.putAll(loss.extraGrads());
                if (prune != null) {
                    prune.afterBackward(grads, extras, encoder.weights());
                }
                if (rank != null) {
                    rank.afterBackward(grads, extras, batch.size());
                }
                adam.step(optimized, grads, m, v, ++step);
                lossSum += loss.lossSum();
                mapping.add(loss.layerMapping(), encoder.spec().layers() + 1);
            }
            examples += batch.size();
            done++;
        }
        TensorMap model = encoder.toState().weights();
        if (prune != null) {
            prune.denseWeights().forEach((name, a) -> model.put(name, NdArrays.toTensor(a)));
        }
        TensorMap sums = prune == null ? new TensorMap() : prune.increments();
        if (rank != null) {
            sums.put(RANK_PENALTY, new Tensor(new long[] {1}, new float[] {(float) rank.penaltySum()}));
        }
        mapping.addTo(sums);
        TrainingState end = new TrainingState(new ModelState(start.model().spec(), model), toTensors(extras),
                toTensors(m), toTensors(v), start.scores(), start.masks(), step);
        return new ReplicaResult(end, lossSum, examples, done, sums);
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
