package dev.condense.spark.train;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.Example;
import dev.condense.models.train.BatchPlanner;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.ReplicaResult;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.task.NativeThreads;
import dev.condense.spark.task.TaskDevice;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * What one executor task does in a round: take the broadcast state, plan this shard's batches for the round
 * (seeded by round and partition, so a retry is identical), run a local trainer for K steps and hand the result over
 * as the plan says.
 */
final class ReplicaTask implements Function2<Integer, Iterator<Example>, Iterator<RoundAverage>> {

    private static final long serialVersionUID = 1L;

    private final Broadcast<RoundStart> state;
    private final TrainerFactory trainers;
    private final RoundPlan plan;

    ReplicaTask(Broadcast<RoundStart> state, TrainerFactory trainers, RoundPlan plan) {
        this.state = state;
        this.trainers = trainers;
        this.plan = plan;
    }

    @Override
    public Iterator<RoundAverage> call(Integer partition, Iterator<Example> shard) {
        NativeThreads.limit(plan.threadsPerTask());
        TaskDevice.bind();
        List<Example> examples = new ArrayList<>();
        shard.forEachRemaining(examples::add);
        if (examples.isEmpty()) {
            return handOver(partition, RoundAverage.empty());
        }
        List<Batch> batches = BatchPlanner.roundBatches(examples, plan.seed(), partition, plan.round(),
                plan.localSteps(), plan.batchSize());
        // building the trainer (the teacher) and fetching the broadcast (on a cluster, decoding it) are
        // synchronisation: training time starts after them
        LocalTrainer trainer = trainers.create();
        TrainingState start = state.value().state();
        long t0 = System.nanoTime();
        ReplicaResult result = trainer.train(start, batches.iterator(), plan.localSteps());
        return handOver(partition, RoundAverage.of(result, System.nanoTime() - t0, ResidentMemory.peakBytes()));
    }

    /** The result as pieces for Spark to reduce, or left whole in the driver's JVM (then nothing goes to Spark). */
    private Iterator<RoundAverage> handOver(int partition, RoundAverage result) {
        if (plan.exchange() == null) {
            return result.split(plan.resultPieces()).iterator();
        }
        InJvmExchange.deposit(plan.exchange(), partition, result);
        return Collections.emptyIterator();
    }
}
