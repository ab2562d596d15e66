package dev.condense.spark.train;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import dev.condense.models.state.KnownLengthInputStream;
import dev.condense.models.train.TrainingState;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;

/**
 * The state every replica starts a round from, as the round broadcasts it: the object, not its bytes. Spark keeps
 * a broadcast's value beside the serialized pieces it ships, so broadcasting bytes held the state three times on
 * the driver (the object, its bytes, the pieces) and once more in every task that decoded them. Broadcast as an
 * object, the pieces are written from the state in a stream, a local-mode task reads the driver's own object, and a
 * cluster executor decodes the pieces once for all its tasks. Replicas only read it.
 */
public final class RoundStart implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    private transient TrainingState state;

    RoundStart(TrainingState state) {
        this.state = state;
    }

    TrainingState state() {
        return state;
    }

    private static void write(TrainingState state, java.io.OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.writeLong(state.serializedSize());
        state.writeTo(data);
        data.flush();
    }

    private static TrainingState read(InputStream in) throws IOException {
        return TrainingState.readFrom(KnownLengthInputStream.afterLengthPrefix(in));
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        write(state, out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        state = read(in);
    }

    public static final class KryoSerializer extends Serializer<RoundStart> {
        @Override
        public void write(Kryo kryo, Output out, RoundStart s) {
            try {
                RoundStart.write(s.state, out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public RoundStart read(Kryo kryo, Input in, Class<RoundStart> type) {
            try {
                return new RoundStart(RoundStart.read(in));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
