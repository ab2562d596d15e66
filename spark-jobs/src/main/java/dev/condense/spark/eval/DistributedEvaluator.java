package dev.condense.spark.eval;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Example;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.eval.ClassificationMetrics;
import dev.condense.models.eval.Evaluator;
import dev.condense.models.eval.Inference;
import dev.condense.models.eval.TranscriptionMetrics;
import dev.condense.models.export.OnnxExport;
import dev.condense.models.export.OnnxRuntimeModel;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.state.ModelState;
import dev.condense.models.train.BatchPlanner;
import dev.condense.spark.settings.CondenseSettings.InferenceEngine;
import dev.condense.spark.task.JobDescription;
import dev.condense.spark.task.NativeThreads;
import dev.condense.spark.task.TaskDevice;
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
 * (confusion counts for a classifier, edit counts for a CTC model). With {@link InferenceEngine#ONNXRUNTIME} the driver exports
 * the model once as an ONNX graph and each task runs it in an ONNX Runtime session of its own, with the task's
 * threads; {@link InferenceEngine#ND4J} runs the training engine's forward pass.
 */
public final class DistributedEvaluator {

    private DistributedEvaluator() {
    }

    public static ClassificationMetrics evaluate(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples,
                                                 int batchSize, int threadsPerTask, InferenceEngine engine,
                                                 String description) {
        int labels = model.spec().numLabels();
        return aggregate(sc, model, examples, batchSize, threadsPerTask, engine, description,
                new ClassificationMetrics(labels), (inference, batches) -> Evaluator.evaluate(inference, labels,
                        batches), ClassificationMetrics::merge);
    }

    /** Greedy CTC transcripts of every utterance, scored against their references. */
    public static TranscriptionMetrics transcribe(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples,
                                                  int batchSize, int threadsPerTask, InferenceEngine engine,
                                                  String description) {
        return aggregate(sc, model, examples, batchSize, threadsPerTask, engine, description,
                TranscriptionMetrics.none(), Evaluator::transcribe, TranscriptionMetrics::merge);
    }

    /** Scores one shard's batches on an executor. */
    private interface ShardScore<M> extends Serializable {
        M of(Inference model, Iterator<Batch> batches);
    }

    private static <M> M aggregate(JavaSparkContext sc, ModelState model, JavaRDD<Example> examples, int batchSize,
                                   int threadsPerTask, InferenceEngine engine, String description, M none,
                                   ShardScore<M> score, Function2<M, M, M> merge) {
        boolean onnx = engine == InferenceEngine.ONNXRUNTIME;
        Broadcast<byte[]> bytes = sc.broadcast(onnx ? OnnxExport.toBytes(model, Precision.FLOAT32,
                Operators.ONNX_RUNTIME, indexNames(model.spec().numLabels()), "evaluation") : model.toBytes());
        try (JobDescription named = JobDescription.set(sc, description)) {
            return examples.mapPartitions(it -> {
                NativeThreads.limit(threadsPerTask);
                List<Example> shard = new ArrayList<>();
                it.forEachRemaining(shard::add);
                if (shard.isEmpty()) {
                    return List.of(none).iterator();
                }
                Iterator<Batch> batches = BatchPlanner.evaluationBatches(shard, batchSize).iterator();
                if (onnx) {
                    try (OnnxRuntimeModel runtime = new OnnxRuntimeModel(bytes.value(), threadsPerTask)) {
                        return List.of(score.of(runtime, batches)).iterator();
                    }
                }
                TaskDevice.bind();
                TransformerEncoder encoder = TransformerEncoder.of(ModelState.fromBytes(bytes.value()),
                        DataType.FLOAT, Set.of());
                return List.of(score.of(Inference.of(encoder), batches)).iterator();
            }).treeAggregate(none, merge, merge);
        } finally {
            bytes.destroy();
        }
    }

    /** Label names for a graph that is only evaluated here (they go into its metadata only). */
    private static List<String> indexNames(int labels) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < labels; i++) {
            names.add(Integer.toString(i));
        }
        return names;
    }
}
