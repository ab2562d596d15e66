package dev.condense.spark.eval;

import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.Evaluator;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.BatchPlanner;
import dev.condense.spark.train.NativeThreads;
import dev.condense.spark.train.TaskDevice;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Evaluates a model on sharded examples: each executor scores its shard, the driver adds the confusion counts. */
public final class DistributedEvaluator {

    private DistributedEvaluator() {
    }

    public static ClassificationMetrics evaluate(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples,
                                                 int batchSize, int threadsPerTask, String description) {
        Broadcast<byte[]> bytes = sc.broadcast(model.toBytes());
        int labels = model.spec().numLabels();
        try {
            sc.setJobDescription(description);
            return examples.mapPartitions(it -> {
                NativeThreads.limit(threadsPerTask);
                TaskDevice.bind();
                List<Example> shard = new ArrayList<>();
                it.forEachRemaining(shard::add);
                if (shard.isEmpty()) {
                    return List.of(new ClassificationMetrics(labels)).iterator();
                }
                TransformerEncoder encoder = TransformerEncoder.of(ModelState.fromBytes(bytes.value()),
                        DataType.FLOAT, Set.of());
                return List.of(Evaluator.evaluate(encoder,
                        BatchPlanner.evaluationBatches(shard, batchSize).iterator())).iterator();
            }).treeAggregate(new ClassificationMetrics(labels), ClassificationMetrics::merge,
                    ClassificationMetrics::merge);
        } finally {
            sc.clearJobGroup();
            bytes.destroy();
        }
    }
}
