package dev.condense.models.train;

import dev.condense.models.state.ModelState;
import dev.condense.models.state.TensorMap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Everything a replica starts from and returns: the model, AdamW's first and second moments for the trainable
 * weights, and the number of optimizer steps taken so far. This is the unit that is broadcast, averaged and
 * checkpointed.
 */
public record TrainingState(ModelState model, TensorMap firstMoment, TensorMap secondMoment, long step) {

    /** A fresh optimizer: zero moments for every weight not in {@code frozen}. */
    public static TrainingState start(ModelState model, Set<String> frozen) {
        TensorMap zeros = new TensorMap();
        model.weights().asMap().forEach((name, t) -> {
            if (!frozen.contains(name)) {
                zeros.put(name, dev.condense.models.state.Tensor.zeros(t.shape()));
            }
        });
        return new TrainingState(model, zeros, zeros.copy(), 0);
    }

    public byte[] toBytes() {
        long size = model.serializedSize() + firstMoment.serializedSize() + secondMoment.serializedSize() + Long.BYTES;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.toIntExact(size));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            model.writeTo(out);
            firstMoment.writeTo(out);
            secondMoment.writeTo(out);
            out.writeLong(step);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static TrainingState fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            ModelState model = ModelState.readFrom(in);
            TensorMap m = TensorMap.readFrom(in);
            TensorMap v = TensorMap.readFrom(in);
            return new TrainingState(model, m, v, in.readLong());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
