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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The round's large objects (the broadcast start state, a replica's result) are written into and read from the
 * serializer's stream in place, never through a whole-block array. Streams here have buffers far smaller than the
 * state, as a shuffle file or a broadcast piece has, and a second object follows the first to show each read stops
 * exactly at its own end.
 */
class StreamedStateTest {

    private static final TrainingState STATE =
            TrainingState.start(TinyEncoders.randomState(TinyEncoders.spec(), 5), Set.of());
    private static final int SMALL_BUFFER = 256;

    private static Kryo kryo() {
        Kryo kryo = new Kryo();
        kryo.register(RoundStart.class, new RoundStart.KryoSerializer());
        kryo.register(RoundAverage.class, new RoundAverage.KryoSerializer());
        return kryo;
    }

    @Test
    void theStartStateCrossesKryoInAStream() {
        Kryo kryo = kryo();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Output out = new Output(sink, SMALL_BUFFER)) {
            kryo.writeObject(out, new RoundStart(STATE));
            kryo.writeObject(out, new RoundStart(STATE.withModel(STATE.model().copy())));
        }
        assertTrue(sink.size() > 20 * SMALL_BUFFER, "the state is much larger than the buffer");
        try (Input in = new Input(new ByteArrayInputStream(sink.toByteArray()), SMALL_BUFFER)) {
            assertArrayEquals(STATE.toBytes(), kryo.readObject(in, RoundStart.class).state().toBytes());
            assertArrayEquals(STATE.toBytes(), kryo.readObject(in, RoundStart.class).state().toBytes());
        }
    }

    @Test
    void theStartStateCrossesJavaSerialisation() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new RoundStart(STATE));
            out.writeObject("after");
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertArrayEquals(STATE.toBytes(), ((RoundStart) in.readObject()).state().toBytes());
            assertEquals("after", in.readObject());
        }
    }

    @Test
    void aReplicasResultCrossesKryoAndJavaSerialisationInAStream() throws Exception {
        RoundAverage result = RoundAverage.of(new ReplicaResult(STATE, 1.5, 20, 3), 1_000_000L, 2_000_000L);
        byte[] expected = result.apply(STATE).toBytes();

        Kryo kryo = kryo();
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (Output out = new Output(sink, SMALL_BUFFER)) {
            kryo.writeObject(out, result);
            kryo.writeObject(out, RoundAverage.empty());
            kryo.writeObject(out, result);
        }
        try (Input in = new Input(new ByteArrayInputStream(sink.toByteArray()), SMALL_BUFFER)) {
            assertArrayEquals(expected, kryo.readObject(in, RoundAverage.class).apply(STATE).toBytes());
            assertEquals(0, kryo.readObject(in, RoundAverage.class).replicas());
            RoundAverage third = kryo.readObject(in, RoundAverage.class);
            assertArrayEquals(expected, third.apply(STATE).toBytes());
            assertEquals(1.5 / 20, third.meanLoss());
        }

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(result);
            out.writeObject("after");
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertArrayEquals(expected, ((RoundAverage) in.readObject()).apply(STATE).toBytes());
            assertEquals("after", in.readObject());
        }
    }
}
