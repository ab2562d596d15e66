package dev.condense.spark.eval;

import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.factor.InputMoments;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.BatchPlanner;
import dev.condense.spark.task.JobDescription;
import dev.condense.spark.task.NativeThreads;
import dev.condense.spark.task.TaskDevice;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The second moments of the inputs of a model's encoder matrices over a sample of sharded examples
 * ({@link InputMoments}): each task runs the model's forward passes over the first examples of its shard and sums
 * x·xᵀ per matrix, the driver adds the shards' sums.
 */
public final class DistributedMoments {

    private DistributedMoments() {
    }

    /**
     * @param weights  the dense encoder matrices whose inputs to measure
     * @param examples at most this many examples in all, an equal part from each shard
     */
    public static InputMoments of(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples,
                                  List<String> weights, int examplesWanted, int batchSize, int threadsPerTask) {
        int perShard = Math.max(1, (examplesWanted + examples.getNumPartitions() - 1) / examples.getNumPartitions());
        Broadcast<byte[]> bytes = sc.broadcast(model.toBytes());
        List<String> names = List.copyOf(weights);
        try (JobDescription named = JobDescription.set(sc, "moments of the inputs of " + names.size()
                + " encoder matrices")) {
            return examples.mapPartitions(it -> {
                List<Example> sample = new ArrayList<>();
                while (it.hasNext() && sample.size() < perShard) {
                    sample.add(it.next());
                }
                if (sample.isEmpty()) {
                    return List.of(InputMoments.none()).iterator();
                }
                NativeThreads.limit(threadsPerTask);
                TaskDevice.bind();
                TransformerEncoder encoder = TransformerEncoder.of(ModelState.fromBytes(bytes.value()),
                        DataType.FLOAT, Set.of());
                InputMoments moments = InputMoments.of(encoder,
                        BatchPlanner.evaluationBatches(sample, batchSize).iterator(), names);
                encoder.release();
                return List.of(moments).iterator();
            }).treeAggregate(InputMoments.none(), InputMoments::merge, InputMoments::merge);
        } finally {
            bytes.destroy();
        }
    }
}
