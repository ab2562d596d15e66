package dev.condense.models.export;

/** The number format of an exported graph's weight matrices. */
public enum Precision {
    /** Every weight as trained, in float32. */
    FLOAT32,
    /**
     * Dynamic quantization: the encoder's projection matrices in INT8 with one scale per output channel, activations
     * quantized at run time; embeddings, LayerNorms, biases and the classifier stay float32.
     */
    INT8
}
