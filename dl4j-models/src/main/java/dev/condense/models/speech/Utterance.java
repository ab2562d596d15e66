package dev.condense.models.speech;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ModelInput;
import dev.condense.models.encoder.Padder;
import dev.condense.models.nn.StridedConv;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One clip as a speech encoder's input: its log-mel frames, row-major [frames, features], and, for CTC training,
 * its transcript as character ids (empty for a classified clip). The encoder sees one position per four frames
 * (two stride-2 convolutions).
 */
public record Utterance(float[] frames, int features, int[] transcript) implements ModelInput, Serializable {

    /** Frames padded with zeros, four per position; a speech batch's ids are all 0. */
    private static final Padder PADDER = (inputs, length, mask, labels) -> {
        int size = inputs.size();
        int features = ((Utterance) inputs.get(0)).features();
        int rowFrames = Batch.framesPerRow(length);
        float[] values = new float[size * rowFrames * features];
        int[] counts = new int[size];
        int[][] transcripts = new int[size][];
        for (int b = 0; b < size; b++) {
            Utterance u = (Utterance) inputs.get(b);
            if (u.features() != features) {
                throw new IllegalArgumentException("a batch mixes " + features + " and " + u.features()
                        + " features per frame");
            }
            System.arraycopy(u.frames(), 0, values, b * rowFrames * features, u.frames().length);
            counts[b] = u.frameCount();
            transcripts[b] = u.transcript();
        }
        int n = size * length;
        return new Batch(size, length, new int[n], new int[n], mask, labels,
                new Batch.Frames(values, features, counts, transcripts));
    };

    public Utterance {
        if (features <= 0 || frames.length == 0 || frames.length % features != 0) {
            throw new IllegalArgumentException("an utterance needs at least one frame of " + features
                    + " features; got " + frames.length + " values");
        }
    }

    /** Frames of normalised log-mel features, as {@link LogMelFilterbank#normalise} returns them. */
    public static Utterance of(float[][] features, int[] transcript) {
        int dim = features.length == 0 ? 0 : features[0].length;
        float[] flat = new float[features.length * dim];
        for (int t = 0; t < features.length; t++) {
            System.arraycopy(features[t], 0, flat, t * dim, dim);
        }
        return new Utterance(flat, dim, transcript);
    }

    public int frameCount() {
        return frames.length / features;
    }

    @Override
    public int length() {
        return StridedConv.outputLength(StridedConv.outputLength(frameCount()));
    }

    @Override
    public Padder padder() {
        return PADDER;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Utterance u && features == u.features && Arrays.equals(frames, u.frames)
                && Arrays.equals(transcript, u.transcript);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(frames) + Arrays.hashCode(transcript);
    }

    @Override
    public String toString() {
        return "Utterance[" + frameCount() + " frames × " + features + ", " + transcript.length + " characters]";
    }
}
