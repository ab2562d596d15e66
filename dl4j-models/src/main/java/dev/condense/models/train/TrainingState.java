package dev.condense.models.train;

import dev.condense.models.state.ModelState;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Everything a replica starts from and the driver keeps between rounds; the unit that is broadcast, averaged and
 * checkpointed.
 *
 * @param model        the model's weights (dense: pruned entries keep their values, {@code masks} zero them)
 * @param extra        trainable tensors that are not model weights (the distillation layer map, learned scores)
 * @param firstMoment  AdamW's first moment for every trainable model weight and extra
 * @param secondMoment AdamW's second moment, same names
 * @param scores       accumulated pruning scores, one tensor per slot, summed over all executors
 * @param masks        element masks (1 keep, 0 pruned) by weight name; empty when nothing is pruned
 * @param step         optimizer steps taken so far
 */
public record TrainingState(ModelState model, TensorMap extra, TensorMap firstMoment, TensorMap secondMoment,
                            TensorMap scores, TensorMap masks, long step) {

    public TrainingState(ModelState model, TensorMap firstMoment, TensorMap secondMoment, long step) {
        this(model, new TensorMap(), firstMoment, secondMoment, new TensorMap(), new TensorMap(), step);
    }

    /** A fresh optimizer: zero moments for every weight not in {@code frozen}; no extras, scores or masks. */
    public static TrainingState start(ModelState model, Set<String> frozen) {
        TensorMap zeros = new TensorMap();
        model.weights().asMap().forEach((name, t) -> {
            if (!frozen.contains(name)) {
                zeros.put(name, Tensor.zeros(t.shape()));
            }
        });
        return new TrainingState(model, zeros, zeros.copy(), 0);
    }

    /** Adds trainable extras (with zero moments). */
    public TrainingState withExtra(TensorMap extras) {
        TensorMap e = extra.copy();
        TensorMap m = firstMoment.copy();
        TensorMap v = secondMoment.copy();
        extras.asMap().forEach((name, t) -> {
            e.put(name, t);
            m.put(name, Tensor.zeros(t.shape()));
            v.put(name, Tensor.zeros(t.shape()));
        });
        return new TrainingState(model, e, m, v, scores, masks, step);
    }

    public TrainingState withModel(ModelState newModel) {
        return new TrainingState(newModel, extra, firstMoment, secondMoment, scores, masks, step);
    }

    public TrainingState withScoresAndMasks(TensorMap newScores, TensorMap newMasks) {
        return new TrainingState(model, extra, firstMoment, secondMoment, newScores, newMasks, step);
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.toIntExact(serializedSize()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The exact length of {@link #writeTo}'s output. */
    public long serializedSize() {
        return model.serializedSize() + extra.serializedSize() + firstMoment.serializedSize()
                + secondMoment.serializedSize() + scores.serializedSize() + masks.serializedSize() + Long.BYTES;
    }

    /**
     * Writes the state straight into {@code out} (what {@link #toBytes} holds, without holding it): a MiniLM state
     * is hundreds of megabytes, and a broadcast or a checkpoint that first copies it whole doubles the heap it needs.
     */
    public void writeTo(DataOutput out) throws IOException {
        model.writeTo(out);
        for (TensorMap map : new TensorMap[] {extra, firstMoment, secondMoment, scores, masks}) {
            map.writeTo(out);
        }
        out.writeLong(step);
    }

    public static TrainingState fromBytes(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return readFrom(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads what {@link #toBytes} wrote, from wherever it starts in {@code in}. */
    public static TrainingState readFrom(DataInputStream in) throws IOException {
        ModelState model = ModelState.readFrom(in);
        TensorMap extra = TensorMap.readFrom(in);
        TensorMap m = TensorMap.readFrom(in);
        TensorMap v = TensorMap.readFrom(in);
        TensorMap scores = TensorMap.readFrom(in);
        TensorMap masks = TensorMap.readFrom(in);
        return new TrainingState(model, extra, m, v, scores, masks, in.readLong());
    }
}
