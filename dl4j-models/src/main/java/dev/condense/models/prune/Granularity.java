package dev.condense.models.prune;

import java.util.Locale;

/**
 * What one pruning decision removes. Matrices are stored [in, out], so an output unit is a column (with its bias
 * entry) and an input unit is a row.
 */
public enum Granularity {
    /** Single weights (unstructured). */
    ELEMENT,
    /** One output unit of a matrix: its column and its bias entry. */
    OUTPUT,
    /** One input unit of a matrix: its row. */
    INPUT,
    /** One attention head: its query, key and value columns (and biases) and its attention-output rows. */
    HEAD,
    /** One feed-forward neuron: its ffn-in column (and bias) and its ffn-out row. */
    NEURON;

    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
