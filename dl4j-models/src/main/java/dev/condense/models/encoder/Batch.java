package dev.condense.models.encoder;

import dev.condense.models.speech.Utterance;
import dev.condense.models.text.Encoding;

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
     * Pads the inputs to the longest among them: word pieces (pad id 0, segment 0) or utterances (zero frames); mask
     * 0 on padding. All inputs must be of one kind.
     */
    public static Batch of(List<? extends ModelInput> inputs, int[] labels) {
        if (inputs.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one example");
        }
        if (inputs.stream().allMatch(Encoding.class::isInstance)) {
            return ofText(inputs, labels);
        }
        if (inputs.stream().allMatch(Utterance.class::isInstance)) {
            return ofSpeech(inputs, labels);
        }
        throw new IllegalArgumentException("a batch cannot mix text and speech inputs");
    }

    private static Batch ofText(List<? extends ModelInput> inputs, int[] labels) {
        int size = inputs.size();
        int length = longest(inputs);
        int[] ids = new int[size * length];
        int[] types = new int[size * length];
        float[] mask = new float[size * length];
        for (int b = 0; b < size; b++) {
            Encoding e = (Encoding) inputs.get(b);
            System.arraycopy(e.ids(), 0, ids, b * length, e.length());
            System.arraycopy(e.typeIds(), 0, types, b * length, e.length());
            fillMask(mask, b * length, e.length());
        }
        return new Batch(size, length, ids, types, mask, copy(labels), null);
    }

    private static Batch ofSpeech(List<? extends ModelInput> inputs, int[] labels) {
        int size = inputs.size();
        int length = longest(inputs);
        int features = ((Utterance) inputs.get(0)).features();
        int rowFrames = framesPerRow(length);
        float[] values = new float[size * rowFrames * features];
        int[] counts = new int[size];
        int[][] transcripts = new int[size][];
        float[] mask = new float[size * length];
        for (int b = 0; b < size; b++) {
            Utterance u = (Utterance) inputs.get(b);
            if (u.features() != features) {
                throw new IllegalArgumentException("a batch mixes " + features + " and " + u.features()
                        + " features per frame");
            }
            System.arraycopy(u.frames(), 0, values, b * rowFrames * features, u.frames().length);
            counts[b] = u.frameCount();
            transcripts[b] = u.transcript();
            fillMask(mask, b * length, u.length());
        }
        int n = size * length;
        return new Batch(size, length, new int[n], new int[n], mask, copy(labels),
                new Frames(values, features, counts, transcripts));
    }

    private static int longest(List<? extends ModelInput> inputs) {
        return inputs.stream().mapToInt(ModelInput::length).max().orElseThrow();
    }

    private static void fillMask(float[] mask, int from, int count) {
        for (int t = 0; t < count; t++) {
            mask[from + t] = 1f;
        }
    }

    private static int[] copy(int[] labels) {
        return labels == null ? null : labels.clone();
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
