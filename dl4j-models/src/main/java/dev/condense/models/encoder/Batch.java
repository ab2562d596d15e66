package dev.condense.models.encoder;

import java.util.Arrays;
import java.util.List;

/**
 * A padded batch: {@code size} examples of {@code length} positions each, row-major. Each batch is padded only to
 * its own longest example (batches are bucketed by length upstream), never to a fixed maximum. A text batch carries
 * word-piece and segment ids; a speech batch carries {@link Frames} instead, and its ids are all 0.
 *
 * @param mask   1 for a real position, 0 for padding
 * @param labels the class of each example, or null for unlabelled inference
 * @param frames a speech batch's input frames, or null for text
 */
public record Batch(int size, int length, int[] ids, int[] typeIds, float[] mask, int[] labels, Frames frames) {

    /**
     * A speech batch's log-mel frames, [size, 4·length, features] row-major with zeros after each utterance's own
     * frames, the real frame count of each, and each one's transcript (empty arrays for classified clips).
     */
    public record Frames(float[] values, int features, int[] counts, int[][] transcripts) {
    }

    public Batch {
        int n = size * length;
        if (ids.length != n || typeIds.length != n || mask.length != n) {
            throw new IllegalArgumentException("batch arrays must hold " + size + "×" + length + " entries");
        }
        if (labels != null && labels.length != size) {
            throw new IllegalArgumentException("batch has " + size + " examples but " + labels.length + " labels");
        }
        if (frames != null && (frames.counts().length != size
                || frames.values().length != (long) size * framesPerRow(length) * frames.features())) {
            throw new IllegalArgumentException("a speech batch of " + size + "×" + length + " positions needs "
                    + framesPerRow(length) + " frames per example");
        }
    }

    /** Input frames per padded example of a speech batch: four per position. */
    public static int framesPerRow(int length) {
        return 4 * length;
    }

    /**
     * Pads the inputs to the longest among them, each kind by its own {@link Padder} (word pieces with pad id 0 in
     * segment 0, utterances with zero frames); mask 0 on padding. All inputs must be of one kind.
     */
    public static Batch of(List<? extends ModelInput> inputs, int[] labels) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        Padder padder = inputs.get(0).padder();
        if (!inputs.stream().allMatch(input -> input.padder() == padder)) {
            throw new IllegalArgumentException("a batch cannot mix text and speech inputs");
        }
        int length = inputs.stream().mapToInt(ModelInput::length).max().orElseThrow();
        float[] mask = new float[inputs.size() * length];
        for (int b = 0; b < inputs.size(); b++) {
            Arrays.fill(mask, b * length, b * length + inputs.get(b).length(), 1f);
        }
        return padder.pad(inputs, length, mask, copy(labels));
    }

    private static int[] copy(int[] labels) {
        return labels == null ? null : labels.clone();
    }

    /** A hash of the batch's inputs and labels, for seeding what a training step draws for it (its dropout). */
    public int fingerprint() {
        int h = Arrays.hashCode(ids);
        h = 31 * h + Arrays.hashCode(mask);
        h = 31 * h + Arrays.hashCode(labels);
        return frames == null ? h : 31 * h + Arrays.hashCode(frames.values());
    }

    /** Each example's real positions (its mask's ones). */
    public int[] lengths() {
        int[] lengths = new int[size];
        for (int b = 0; b < size; b++) {
            for (int t = 0; t < length; t++) {
                lengths[b] += (int) mask[b * length + t];
            }
        }
        return lengths;
    }

    public int tokens() {
        int n = 0;
        for (float m : mask) {
            n += (int) m;
        }
        return n;
    }
}
