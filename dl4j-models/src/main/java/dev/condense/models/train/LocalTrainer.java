package dev.condense.models.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One replica: K AdamW steps of cross-entropy on an iterator of batches, from a {@link TrainingState} to a new
 * one. Deterministic for the same state and batches; knows nothing of Spark.
 */
public final class LocalTrainer {

    private static final String WORKSPACE = "condense-train-step";

    private final OptimizerSettings settings;

    public LocalTrainer(OptimizerSettings settings) {
        this.settings = settings;
    }

    public ReplicaResult train(TrainingState start, Iterator<Batch> batches, int steps) {
        TransformerEncoder encoder = TransformerEncoder.of(start.model(), DataType.FLOAT, settings.frozen());
        Map<String, INDArray> m = toArrays(start.firstMoment());
        Map<String, INDArray> v = toArrays(start.secondMoment());
        AdamW adam = new AdamW(settings);
        double lossSum = 0;
        long examples = 0;
        int done = 0;
        long step = start.step();
        while (done < steps && batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open(WORKSPACE)) {
                var pass = encoder.forward(batch);
                CrossEntropy.Result ce = CrossEntropy.of(pass.logits(), batch.labels(), 1.0 / batch.size());
                Map<String, INDArray> grads = encoder.backward(pass, ce.dLogits(), Map.of());
                adam.step(encoder.weights(), grads, m, v, ++step);
                lossSum += ce.lossSum();
            }
            examples += batch.size();
            done++;
        }
        TrainingState end = new TrainingState(encoder.toState(), toTensors(m), toTensors(v), step);
        return new ReplicaResult(end, lossSum, examples, done);
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
}
