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
    NEURON,
    /**
     * One dimension of the hidden (residual) stream, across the whole model: its entry in every LayerNorm, its
     * column in each layer's attention-output and ffn-out (with bias), its row in each layer's query, key, value
     * and ffn-in and in the classifier. LayerNorms then normalise over the kept dimensions only, so the embedding
     * tables' columns of a pruned dimension no longer influence anything and are left unmasked (masking the word
     * table would cost a 30522-row mask on every step for no effect); physically shrinking drops them.
     */
    HIDDEN;

    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
