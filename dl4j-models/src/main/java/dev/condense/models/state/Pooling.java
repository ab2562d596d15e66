package dev.condense.models.state;

/**
 * How a classifier reads a sequence: the mean of the last layer over real positions (sentence-transformers models
 * such as all-MiniLM-L6-v2, and every speech model), or the first position, [CLS] (BERT's own convention, and
 * BAAI's bge models).
 */
public enum Pooling {
    MEAN,
    CLS
}
