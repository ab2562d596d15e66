package dev.condense.models.encoder;

import dev.condense.models.text.Encoding;

/**
 * A tokenized, labelled example with a stable id (its source line), so shards can be ordered and sampled the same
 * way on every run and every retry.
 */
public record Example(long id, Encoding encoding, int label) {
}
