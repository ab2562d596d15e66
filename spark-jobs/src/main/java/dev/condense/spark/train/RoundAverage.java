package dev.condense.spark.train;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.condense.models.state.KnownLengthInputStream;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import dev.condense.models.train.ReplicaResult;
import dev.condense.models.train.TrainingState;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One round's result over all replicas: the example-weighted mean of the trainable weights, extras and Adam
 * moments, and the plain sum of what is summed (pruning-score increments, counters), plus Σ loss and Σ n.
 * Two results merge as (n_a·mean_a + n_b·mean_b)/(n_a + n_b) and a + b, computed symmetrically so the merge is
 * commutative bit for bit, and {@link PairwiseTreeReduce} fixes which pairs merge; a rerun or a retried task
 * therefore gives the identical result. A lone replica's values pass through untouched (summing w·n and dividing
 * by n in float would perturb their last bits, which Adam amplifies on near-zero gradients).
 */
public final class RoundAverage implements java.io.Serializable {

    private static final long serialVersionUID = 1L;
    /** The size a result's piece aims at (see {@link #groupsFor}). */
    static final long PIECE_BYTES = 64L << 20;
    private static final int MAX_GROUPS = 64;

    /**
     * Travel as one compact block of floats, written by {@link #writeTensors}, whether Kryo ({@link KryoSerializer},
     * the jobs' sessions) or Java serialization (a notebook's default session) ships the result.
     */
    private transient TensorMap trainable;
    private transient TensorMap firstMoment;
    private transient TensorMap secondMoment;
    private transient TensorMap sums;
    private double lossSum;
    private long examples;
    private int replicas;
    private int steps;
    private long slowestTrainingNanos;
    private long peakResidentBytes;

    public static RoundAverage empty() {
        return new RoundAverage();
    }

    /** One replica's contribution. */
    public static RoundAverage of(ReplicaResult r) {
        return of(r, 0);
    }

    /** One replica's contribution, with the time its local steps took (the rest of a round is synchronisation). */
    public static RoundAverage of(ReplicaResult r, long trainingNanos) {
        return of(r, trainingNanos, 0);
    }

    /** ... and the peak resident memory of the JVM that trained it. */
    public static RoundAverage of(ReplicaResult r, long trainingNanos, long residentBytes) {
        RoundAverage s = new RoundAverage();
        TrainingState state = r.state();
        TensorMap trainable = new TensorMap();
        for (String name : state.firstMoment().names()) {
            trainable.put(name, state.extra().contains(name) ? state.extra().get(name)
                    : state.model().weights().get(name));
        }
        s.trainable = trainable;
        s.firstMoment = state.firstMoment();
        s.secondMoment = state.secondMoment();
        s.sums = r.sums();
        s.lossSum = r.lossSum();
        s.examples = r.examples();
        s.replicas = r.examples() > 0 ? 1 : 0;
        s.steps = r.steps();
        s.slowestTrainingNanos = trainingNanos;
        s.peakResidentBytes = residentBytes;
        return s;
    }

    /** Folds {@code other} into this (mutating it, as aggregate allows) and returns the merged result. */
    public RoundAverage merge(RoundAverage other) {
        if (other.replicas == 0) {
            return this;
        }
        if (replicas == 0) {
            return other;
        }
        slowestTrainingNanos = Math.max(slowestTrainingNanos, other.slowestTrainingNanos);
        peakResidentBytes = Math.max(peakResidentBytes, other.peakResidentBytes);
        if (steps != other.steps) {
            throw new IllegalStateException("replicas ran different step counts: " + steps + " vs " + other.steps);
        }
        double a = (double) examples / (examples + other.examples);
        double b = (double) other.examples / (examples + other.examples);
        trainable.mix(a, other.trainable, b);
        firstMoment.mix(a, other.firstMoment, b);
        secondMoment.mix(a, other.secondMoment, b);
        sums.accumulate(other.sums, true);
        lossSum += other.lossSum;
        examples += other.examples;
        replicas += other.replicas;
        return this;
    }


    /**
     * Cuts this result into {@code groups} pieces that merge piece by piece exactly as the whole would
     * ({@link #join} puts them back together). Each piece carries the counters; the trainable tensors and the two
     * moments are dealt out by position, each map starting one group further on, so that a large tensor's weight and
     * its two moments land in different pieces; the summed quantities stay whole in the first piece.
     */
    public List<RoundAverage> split(int groups) {
        if (groups < 1) {
            throw new IllegalArgumentException("groups must be at least 1, not " + groups);
        }
        List<RoundAverage> pieces = new ArrayList<>(groups);
        for (int g = 0; g < groups; g++) {
            RoundAverage piece = countersOf(this);
            if (replicas > 0) {
                piece.trainable = dealt(trainable, 0, g, groups);
                piece.firstMoment = dealt(firstMoment, 1, g, groups);
                piece.secondMoment = dealt(secondMoment, 2, g, groups);
                piece.sums = g == 0 ? sums : new TensorMap();
            }
            pieces.add(piece);
        }
        return pieces;
    }

    /** The whole result from the reduced pieces of {@link #split}, its tensors in their original order. */
    public static RoundAverage join(List<RoundAverage> pieces) {
        RoundAverage first = pieces.get(0);
        if (pieces.size() == 1 || first.replicas == 0) {
            return first;
        }
        RoundAverage whole = countersOf(first);
        whole.trainable = undealt(pieces, p -> p.trainable, 0);
        whole.firstMoment = undealt(pieces, p -> p.firstMoment, 1);
        whole.secondMoment = undealt(pieces, p -> p.secondMoment, 2);
        whole.sums = first.sums;
        return whole;
    }

    /** A result with {@code r}'s counters (loss, examples, replicas, steps, time, memory) and no tensors. */
    private static RoundAverage countersOf(RoundAverage r) {
        RoundAverage c = new RoundAverage();
        c.lossSum = r.lossSum;
        c.examples = r.examples;
        c.replicas = r.replicas;
        c.steps = r.steps;
        c.slowestTrainingNanos = r.slowestTrainingNanos;
        c.peakResidentBytes = r.peakResidentBytes;
        return c;
    }

    /** The tensors of {@code map} at positions i with (i + offset) mod groups = group. */
    private static TensorMap dealt(TensorMap map, int offset, int group, int groups) {
        TensorMap out = new TensorMap();
        int i = 0;
        for (Map.Entry<String, Tensor> e : map.asMap().entrySet()) {
            if ((i++ + offset) % groups == group) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    private static TensorMap undealt(List<RoundAverage> pieces, Function<RoundAverage, TensorMap> part,
                                     int offset) {
        int groups = pieces.size();
        List<Iterator<Map.Entry<String, Tensor>>> dealt = new ArrayList<>(groups);
        int total = 0;
        for (RoundAverage piece : pieces) {
            TensorMap m = part.apply(piece);
            dealt.add(m.asMap().entrySet().iterator());
            total += m.size();
        }
        TensorMap out = new TensorMap();
        for (int i = 0; i < total; i++) {
            Map.Entry<String, Tensor> e = dealt.get((i + offset) % groups).next();
            out.put(e.getKey(), e.getValue());
        }
        return out;
    }

    /**
     * How many pieces a round's result travels in: one per {@code pieceBytes} of weights and moments (by default
     * {@value #PIECE_BYTES}), so a task result or shuffle block of the reduction holds tens of megabytes, not the
     * whole state: Spark serializes a task result into one growing buffer and then copies it, and for a MiniLM
     * state in one piece that was the driver's largest heap peak.
     */
    public static int groupsFor(TrainingState state, long pieceBytes) {
        long bytes = 3 * state.firstMoment().serializedSize();
        return (int) Math.max(1, Math.min(MAX_GROUPS, (bytes + pieceBytes - 1) / pieceBytes));
    }

    /** The next state: averaged trainable weights, extras and moments; the rest as before; step advanced by K. */
    public TrainingState apply(TrainingState previous) {
        if (replicas == 0) {
            throw new IllegalStateException("no replica trained on any example this round");
        }
        TensorMap model = previous.model().weights().copy();
        TensorMap extra = previous.extra().copy();
        trainable.asMap().forEach((name, t) -> (extra.contains(name) ? extra : model).put(name, t));
        return new TrainingState(new ModelState(previous.model().spec(), model), extra, firstMoment, secondMoment,
                previous.scores(), previous.masks(), previous.step() + steps);
    }

    /**
     * Why this round must not be kept: a non-finite mean loss or averaged weight; empty when it is sound. One NaN
     * in one replica reaches every weight through the average, so the check is on the average.
     */
    public java.util.Optional<String> divergence() {
        if (!Double.isFinite(meanLoss())) {
            return java.util.Optional.of("the training loss is " + meanLoss());
        }
        return trainable.firstNonFinite().map(name -> "weight " + name + " is not finite");
    }

    /** Summed quantities (score increments, counters), by name. */
    public TensorMap sums() {
        return sums == null ? new TensorMap() : sums;
    }

    public double meanLoss() {
        return examples == 0 ? Double.NaN : lossSum / examples;
    }

    public long examples() {
        return examples;
    }

    public int replicas() {
        return replicas;
    }

    /**
     * The local steps of the slowest replica, in seconds: the part of a round that is training. The rest of the
     * round's wall time is synchronisation (broadcast, task start, rebuilding the state, averaging, checkpoint).
     */
    public double slowestTrainingSeconds() {
        return slowestTrainingNanos / 1e9;
    }

    /**
     * The largest peak resident memory of the JVMs that trained this round's replicas, in bytes (0 when not
     * measured): in local mode the whole job's process, on a cluster the fullest executor.
     */
    public long peakResidentBytes() {
        return peakResidentBytes;
    }

    /**
     * Writes the tensors as one block of declared length straight into {@code out}, which is a shuffle file, a task
     * result's buffer or Java serialization's stream: a replica's weights and moments are hundreds of megabytes, and
     * an intermediate array of them would be one more whole copy on the heap per result in flight.
     */
    private void writeTensors(OutputStream out) throws IOException {
        TensorMap[] parts = {trainable, firstMoment, secondMoment, sums};
        long size = 0;
        for (TensorMap m : parts) {
            size += m.serializedSize();
        }
        DataOutputStream d = new DataOutputStream(out);
        d.writeLong(size);
        for (TensorMap m : parts) {
            m.writeTo(d);
        }
        d.flush();
    }

    /** Reads what {@link #writeTensors} wrote, in place from {@code in}. */
    private void readTensors(InputStream in) throws IOException {
        DataInputStream d = KnownLengthInputStream.afterLengthPrefix(in);
        trainable = TensorMap.readFrom(d);
        firstMoment = TensorMap.readFrom(d);
        secondMoment = TensorMap.readFrom(d);
        sums = TensorMap.readFrom(d);
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        if (replicas > 0) {
            writeTensors(out);
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        if (replicas > 0) {
            readTensors(in);
        }
    }

    public static final class KryoSerializer extends Serializer<RoundAverage> {
        @Override
        public void write(Kryo kryo, Output out, RoundAverage s) {
            out.writeInt(s.replicas, true);
            out.writeDouble(s.lossSum);
            out.writeLong(s.examples);
            out.writeInt(s.steps, true);
            out.writeLong(s.slowestTrainingNanos, true);
            out.writeLong(s.peakResidentBytes, true);
            if (s.replicas > 0) {
                try {
                    s.writeTensors(out);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        @Override
        public RoundAverage read(Kryo kryo, Input in, Class<RoundAverage> type) {
            RoundAverage s = new RoundAverage();
            s.replicas = in.readInt(true);
            s.lossSum = in.readDouble();
            s.examples = in.readLong();
            s.steps = in.readInt(true);
            s.slowestTrainingNanos = in.readLong(true);
            s.peakResidentBytes = in.readLong(true);
            if (s.replicas > 0) {
                try {
                    s.readTensors(in);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return s;
        }
    }
}
