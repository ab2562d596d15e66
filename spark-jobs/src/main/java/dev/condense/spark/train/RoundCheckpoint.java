package dev.condense.spark.train;

import dev.condense.models.state.KnownLengthInputStream;
import dev.condense.models.train.TrainingState;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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

    /** Writes the payload: the losses header, then the state. */
    void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(LOSSES_MAGIC);
        out.writeInt(roundLosses.size());
        for (double loss : roundLosses) {
            out.writeDouble(loss);
        }
        state.writeTo(out);
    }

    /**
     * Reads a payload from {@code in}, whose {@code available()} is the payload bytes left (a checkpoint file read
     * through {@code Checkpoints.Checkpoint#read}).
     */
    static RoundCheckpoint parse(DataInputStream in) throws IOException {
        long length = in.available();
        BufferedInputStream buffered = new BufferedInputStream(in, Integer.BYTES);
        DataInputStream data = new DataInputStream(buffered);
        buffered.mark(Integer.BYTES);
        if (length < Integer.BYTES || data.readInt() != LOSSES_MAGIC) {
            buffered.reset();
            return new RoundCheckpoint(TrainingState.readFrom(new DataInputStream(new KnownLengthInputStream(
                    buffered, length))), List.of());
        }
        int count = data.readInt();
        if (count < 0 || count > length / Double.BYTES) {
            throw new IOException("corrupt round checkpoint: " + count + " round losses");
        }
        List<Double> losses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            losses.add(data.readDouble());
        }
        long rest = length - 2L * Integer.BYTES - (long) Double.BYTES * count;
        return new RoundCheckpoint(TrainingState.readFrom(new DataInputStream(new KnownLengthInputStream(buffered,
                rest))), losses);
    }
}
