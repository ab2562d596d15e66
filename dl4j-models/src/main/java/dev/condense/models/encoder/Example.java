package dev.condense.models.encoder;

/**
 * A tokenized or featurised, labelled example with a stable id (its source line or clip), so shards can be ordered
 * and sampled the same way on every run and every retry. Serializable as well as Kryo-registered, so that a session
 * Condense did not configure (a notebook's, with Spark's default Java serialization) can ship it too.
 *
 * @param label the class, or 0 for a CTC example, whose targets are its utterance's transcript
 */
public record Example(long id, ModelInput input, int label) implements java.io.Serializable {
}
