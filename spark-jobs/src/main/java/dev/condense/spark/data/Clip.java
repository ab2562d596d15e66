package dev.condense.spark.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One audio clip to featurise on an executor: where it is, its stable id (a hash of its path under the data folder,
 * so adding clips does not renumber the others), and its class or, for CTC, its transcript as character ids.
 *
 * @param label      the class of a labelled clip; 0 for a transcribed one
 * @param transcript the characters of a transcribed clip; empty for a labelled one
 */
public record Clip(String path, long id, int label, int[] transcript) implements java.io.Serializable {

    /** A labelled clip. */
    public Clip(String path, long id, int label) {
        this(path, id, label, new int[0]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Clip c && path.equals(c.path) && id == c.id && label == c.label
                && Arrays.equals(transcript, c.transcript);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, id, label) * 31 + Arrays.hashCode(transcript);
    }

    @Override
    public String toString() {
        return "Clip[" + path + ", id " + id + ", label " + label + ", " + transcript.length + " characters]";
    }
}
