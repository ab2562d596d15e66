package dev.condense.spark.train;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.train.ReplicaResult;
import dev.condense.models.train.TrainingState;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The round line reports how much of a round is synchronisation (the part outside the slowest replica's steps) and
 * the peak memory of the fullest training JVM.
 */
class RoundProgressTest {

    private static final TrainingState STATE =
            TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 5), Set.of());

    @Test
    void theSyncShareIsTheRoundOutsideTheSlowestReplicasSteps() {
        RoundProgress progress = new RoundProgress("prune", 10, 0, 0);
        RoundAverage average = RoundAverage.of(new ReplicaResult(STATE, 800, 1600, 3), 38_000_000_000L,
                5_240_000_000L);
        String line = progress.line(1, average, 40.0, 80_000_000_000L);
        assertTrue(line.startsWith("prune round 2/10  loss 0.5000  40 examples/s  sync 5.0%  peak resident 5.2 GB"
                + "  elapsed 1m20s"), line);
        RoundAverage untimed = RoundAverage.of(new ReplicaResult(STATE, 400, 800, 3), 0);
        String first = progress.line(0, untimed, 10.0, 1);
        assertTrue(first.contains("sync 100.0%  elapsed"), first);
    }

    @Test
    void aReplicaReportsItsJvmsPeakResidentMemory() {
        long peak = ResidentMemory.peakBytes();
        assertTrue(peak > 50_000_000L && peak < 1L << 40, "a JVM with ND4J loaded holds more than 50 MB: " + peak);
    }

    @Test
    void mergingKeepsTheSlowestReplicasTimeAndBothSerialisationsCarryIt() throws Exception {
        RoundAverage fast = RoundAverage.of(new ReplicaResult(STATE, 1, 20, 3), 2_000_000_000L, 6_000_000_000L);
        RoundAverage slow = RoundAverage.of(new ReplicaResult(STATE, 1, 20, 3), 3_500_000_000L, 4_000_000_000L);
        RoundAverage merged = fast.merge(slow);
        assertEquals(3.5, merged.slowestTrainingSeconds());
        assertEquals(6_000_000_000L, merged.peakResidentBytes());

        Kryo kryo = new Kryo();
        kryo.register(RoundAverage.class, new RoundAverage.KryoSerializer());
        Output out = new Output(1 << 16, -1);
        kryo.writeObject(out, merged);
        RoundAverage viaKryo = kryo.readObject(new Input(out.toBytes()), RoundAverage.class);
        assertEquals(3.5, viaKryo.slowestTrainingSeconds());
        assertEquals(6_000_000_000L, viaKryo.peakResidentBytes());

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(bytes)) {
            o.writeObject(merged);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            RoundAverage viaJava = (RoundAverage) in.readObject();
            assertEquals(3.5, viaJava.slowestTrainingSeconds());
            assertEquals(6_000_000_000L, viaJava.peakResidentBytes());
        }
    }
}
