package dev.condense.spark.train;

import dev.condense.models.encoder.Example;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.train.TrainingState;
import dev.condense.spark.io.Checkpoints;
import dev.condense.spark.settings.SettingsException;
import dev.condense.spark.task.JobDescription;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Parameter averaging on Spark. Each round: broadcast the state ({@link RoundStart}) → every shard trains a
 * replica for K local steps ({@code mapPartitionsWithIndex}) → a fixed pairwise tree of merges on the executors
 * forms the example-weighted mean of weights and Adam moments, in pieces of tens of megabytes
 * ({@link PairwiseTreeReduce}, {@link RoundAverage#split}; in local mode the same tree on the driver over the
 * results handed over in memory, {@link InJvmExchange}) → the driver starts the next round while the last one's
 * checkpoint is written atomically in the background ({@link BackgroundCheckpoints}). A run whose stage has a
 * checkpoint resumes after its last completed round.
 */
public final class DistributedTrainer {

    private final JavaSparkContext sc;
    private final Checkpoints checkpoints;
    private final Consumer<String> log;
    private final long resultPieceBytes;
    private final boolean resultsInJvm;

    public DistributedTrainer(JavaSparkContext sc, Checkpoints checkpoints, Consumer<String> log) {
        this(sc, checkpoints, log, RoundAverage.PIECE_BYTES, sc.isLocal());
    }

    /**
     * @param resultPieceBytes the size a replica result's pieces aim at ({@link RoundAverage#groupsFor})
     * @param resultsInJvm     whether the replicas hand their results to the driver in memory
     *                         ({@link InJvmExchange}; only when the tasks run in the driver's JVM, local mode)
     *                         rather than through Spark's pairwise tree
     */
    DistributedTrainer(JavaSparkContext sc, Checkpoints checkpoints, Consumer<String> log, long resultPieceBytes,
                       boolean resultsInJvm) {
        this.sc = sc;
        this.checkpoints = checkpoints;
        this.log = log;
        this.resultPieceBytes = resultPieceBytes;
        this.resultsInJvm = resultsInJvm;
    }

    /**
     * What a training stage is asked to do.
     *
     * @param trainers   builds each replica's trainer on the executors
     * @param afterRound runs on the driver after each average (e.g. chooses new masks); before the checkpoint
     */
    public record Plan(String stage, int rounds, int localSteps, int batchSize, long seed, int threadsPerTask,
                       TrainerFactory trainers, RoundHook afterRound) {
    }

    /** Driver-side work between averaging and checkpointing a round. */
    @FunctionalInterface
    public interface RoundHook {
        RoundHook NONE = (state, result, round) -> state;

        TrainingState apply(TrainingState averaged, RoundAverage result, int round);
    }

    /** The state after the last round, and the mean training loss of every round, those before a resume included. */
    public record Outcome(TrainingState state, List<Double> roundLosses) {
    }

    /**
     * A checkpoint resumes only a model of the shape this run starts from; its recorded settings are checked first
     * ({@link Checkpoints#bind}), so this catches what the settings cannot say, such as a swapped encoder file.
     */
    static void requireSameShape(String stage, EncoderSpec expected, EncoderSpec saved) {
        String want = shape(expected);
        String have = shape(saved);
        if (!want.equals(have)) {
            throw new SettingsException("the " + stage + " checkpoint holds a " + have + " model but this run starts "
                    + "from a " + want + " one, so it cannot resume: use a new condense.run.id");
        }
    }

    private static String shape(EncoderSpec spec) {
        return String.format("%s %d-layer, hidden %d, %d heads, FFN %d, %d-label", spec.speech() != null ? "speech"
                : "text", spec.layers(), spec.hidden(), spec.heads(), spec.ffn(), spec.numLabels());
    }

    public Outcome fit(Plan plan, JavaRDD<Example> shards, TrainingState initial) {
        TrainingState state = initial;
        int firstRound = 0;
        List<Double> losses = new ArrayList<>();
        Optional<Checkpoints.Checkpoint> resume = checkpoints.latest(plan.stage());
        if (resume.isPresent()) {
            RoundCheckpoint saved = readCheckpoint(resume.get());
            requireSameShape(plan.stage(), initial.model().spec(), saved.state().model().spec());
            state = saved.state();
            losses.addAll(saved.roundLosses());
            firstRound = resume.get().round();
            log.accept(String.format("%s: resuming after round %d/%d from its checkpoint", plan.stage(), firstRound,
                    plan.rounds()));
        }
        RoundProgress progress = new RoundProgress(plan.stage(), plan.rounds(), firstRound, System.nanoTime());
        try (BackgroundCheckpoints writer = new BackgroundCheckpoints(checkpoints)) {
            for (int round = firstRound; round < plan.rounds(); round++) {
                long t0 = System.nanoTime();
                RoundAverage average = round(plan, shards, state, round);
                Optional<String> diverged = average.divergence();
                if (diverged.isPresent()) {
                    throw new TrainingDivergedException(String.format("%s round %d/%d: %s. The round was rejected "
                            + "and the run stopped; its last checkpoint (after round %d) is intact: lower the "
                            + "learning rate and rerun the same run id to resume from it", plan.stage(), round + 1,
                            plan.rounds(), diverged.get(), round));
                }
                state = plan.afterRound().apply(average.apply(state), average, round);
                losses.add(average.meanLoss());
                writer.save(plan.stage(), round + 1, new RoundCheckpoint(state, losses)::writeTo);
                long t1 = System.nanoTime();
                log.accept(progress.line(round, average, (t1 - t0) / 1e9, t1));
            }
        }
        return new Outcome(state, losses);
    }

    private static RoundCheckpoint readCheckpoint(Checkpoints.Checkpoint checkpoint) {
        try {
            return checkpoint.read(RoundCheckpoint::parse);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoint of round " + checkpoint.round(), e);
        }
    }

    /** One round; public so tests can compare it with local replicas. */
    public RoundAverage round(Plan plan, JavaRDD<Example> shards, TrainingState state, int round) {
        Broadcast<RoundStart> start = sc.broadcast(new RoundStart(state));
        try (JobDescription named = JobDescription.set(sc, String.format("%s: round %d/%d", plan.stage(), round + 1,
                plan.rounds()))) {
            int pieces = RoundAverage.groupsFor(state, resultPieceBytes);
            try (InJvmExchange<RoundAverage> exchange = resultsInJvm ? InJvmExchange.open() : null) {
                RoundPlan roundPlan = new RoundPlan(round, plan.localSteps(), plan.batchSize(), plan.seed(),
                        plan.threadsPerTask(), pieces, exchange == null ? null : exchange.id());
                JavaRDD<RoundAverage> results = shards.mapPartitionsWithIndex(
                        new ReplicaTask(start, plan.trainers(), roundPlan), true);
                if (exchange == null) {
                    return RoundAverage.join(PairwiseTreeReduce.reduce(results, pieces, RoundAverage::merge));
                }
                results.count();
                return PairwiseTreeReduce.reduceInHand(exchange.take(shards.getNumPartitions()), RoundAverage::merge);
            }
        } finally {
            start.destroy();
        }
    }
}
