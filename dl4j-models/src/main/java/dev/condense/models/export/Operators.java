package dev.condense.models.export;

/**
 * Which operators an exported graph may use. ONNX Runtime fuses BERT's element-wise chains only when every axis but
 * the batch is fixed, and Condense's graphs keep the sequence axis dynamic, so its own optimiser leaves each bias
 * add, residual add, LayerNorm and GELU as separate passes over memory. Those passes are the part of a layer that
 * does not shrink when heads and neurons are pruned, so they cap a compressed model's speed-up.
 */
public enum Operators {
    /** The standard ONNX domain only (opset {@value OnnxGraph#OPSET}): any ONNX engine runs the graph. */
    STANDARD,
    /**
     * Also ONNX Runtime's contrib operators (domain {@value OnnxGraph#MICROSOFT}): bias + residual + LayerNorm as
     * one {@code SkipLayerNormalization}, bias + GELU as one {@code BiasGelu}. ONNX Runtime runs it; other engines
     * may not. (Its fused {@code Attention} was tried as well and left out: on the shrunk MiniLM, one to three heads a
     * layer, it gave 52.1 and 46.1 ms per batch against 42.1 and 46.2 without it in alternating runs, and it
     * narrows what a graph can hold: float32 and unfactorised Q, K, V only.)
     */
    ONNX_RUNTIME
}
