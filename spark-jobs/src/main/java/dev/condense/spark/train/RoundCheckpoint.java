package dev.condense.spark.train;

import dev.condense.models.train.TrainingState;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a round checkpoint holds: the training state and the mean training loss of every round so far, so that a
 * resumed run reports the whole run's losses (metrics.json, the report's curve), not only the rounds after the
 * restart. The losses come first as a small header; a payload without it (written before they were kept) is the
 * state alone and resumes with no earlier losses.
 */
record RoundCheckpoint(TrainingState state, List<Double> roundLosses) {

    private static final int LOSSES_MAGIC = 0x524C4F53; // "RLOS"

    RoundCheckpoint {
        roundLosses = List.copyOf(roundLosses);
    }

    /** The payload in two parts, header and state, for {@code Checkpoints.save} to write without joining them. */
    byte[][] parts() {
        ByteArrayOutputStream header = new ByteArrayOutputStream(8 + 8 * roundLosses.size());
        try (DataOutputStream out = new DataOutputStream(header)) {
            out.writeInt(LOSSES_MAGIC);
            out.writeInt(roundLosses.size());
            for (double loss : roundLosses) {
                out.writeDouble(loss);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new byte[][] {header.toByteArray(), state.toBytes()};
    }

    static RoundCheckpoint parse(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            if (payload.length < 4 || in.readInt() != LOSSES_MAGIC) {
                return new RoundCheckpoint(TrainingState.fromBytes(payload), List.of());
            }
            int count = in.readInt();
            if (count < 0 || count > payload.length / Double.BYTES) {
                throw new IOException("corrupt round checkpoint: " + count + " round losses");
            }
            List<Double> losses = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                losses.add(in.readDouble());
            }
            return new RoundCheckpoint(TrainingState.readFrom(in), losses);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
