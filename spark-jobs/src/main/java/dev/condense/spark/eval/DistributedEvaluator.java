package dev.condense.spark.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Encoder;
import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.Evaluator;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.BatchPlanner;
import dev.condense.spark.train.NativeThreads;
import dev.condense.spark.train.TaskDevice;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Evaluates a model on sharded examples: each executor scores its shard, the driver adds up the shards' metrics
 * (confusion counts for a classifier, edit counts for a CTC model).
 */
public final class DistributedEvaluator {

    private DistributedEvaluator() {
    }

    public static ClassificationMetrics evaluate(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples,
                                                 int batchSize, int threadsPerTask, String description) {
        int labels = model.spec().numLabels();
        return aggregate(sc, model, examples, batchSize, threadsPerTask, description,
                new ClassificationMetrics(labels), Evaluator::evaluate, ClassificationMetrics::merge);
    }

    /** Greedy CTC transcripts of every utterance, scored against their references. */
    public static TranscriptionMetrics transcribe(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples,
                                                  int batchSize, int threadsPerTask, String description) {
        return aggregate(sc, model, examples, batchSize, threadsPerTask, description, TranscriptionMetrics.none(),
                Evaluator::transcribe, TranscriptionMetrics::merge);
    }

    /** Scores one shard's batches on an executor. */
    private interface ShardScore<M> extends Serializable {
        M of(Encoder encoder, Iterator<Batch> batches);
    }

    private static <M> M aggregate(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples, int batchSize,
                                   int threadsPerTask, String description, M none, ShardScore<M> score,
                                   Function2<M, M, M> merge) {
        Broadcast<byte[]> bytes = sc.broadcast(model.toBytes());
        try {
            sc.setJobDescription(description);
            return examples.mapPartitions(it -> {
                NativeThreads.limit(threadsPerTask);
                TaskDevice.bind();
                List<Example> shard = new ArrayList<>();
                it.forEachRemaining(shard::add);
                if (shard.isEmpty()) {
                    return List.of(none).iterator();
                }
                TransformerEncoder encoder = TransformerEncoder.of(ModelState.fromBytes(bytes.value()),
                        DataType.FLOAT, Set.of());
                return List.of(score.of(encoder, BatchPlanner.evaluationBatches(shard, batchSize).iterator()))
                        .iterator();
            }).treeAggregate(none, merge, merge);
        } finally {
            sc.clearJobGroup();
            bytes.destroy();
        }
    }
}
