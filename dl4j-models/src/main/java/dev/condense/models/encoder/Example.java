package dev.condense.models.encoder;

import dev.condense.models.text.Encoding;

/**
 * A tokenized, labelled example with a stable id (its source line), so shards can be ordered and sampled the same
 * way on every run and every retry. Serializable as well as Kryo-registered, so that a session Condense did not
 * configure (a notebook's, with Spark's default Java serialization) can ship it too.
 */
public record Example(long id, Encoding encoding, int label) implements java.io.Serializable {
}
