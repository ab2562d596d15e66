package dev.condense.models.encoder;

import dev.condense.models.nn.Embedding;
import dev.condense.models.nn.LayerNorm;
import dev.condense.models.nn.Linear;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Pooling;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static dev.condense.models.state.ParameterNames.CLASSIFIER_BIAS;
import static dev.condense.models.state.ParameterNames.CLASSIFIER_WEIGHT;
import static dev.condense.models.state.ParameterNames.EMBEDDING_NORM_BETA;
import static dev.condense.models.state.ParameterNames.EMBEDDING_NORM_GAMMA;
import static dev.condense.models.state.ParameterNames.POSITION_EMBEDDINGS;

/**
 * A BERT-layout encoder with mean pooling and a linear classifier (or, for CTC, a classifier at every position) over
 * word pieces or, through a convolutional front end, log-mel frames ({@link InputLayer}), computed with hand-written
 * ND4J forward and backward passes: GEMMs and batched matmuls do the work, with no graph interpreter in between.
 * Gradients are checked against finite differences (and float32 outputs against onnxruntime) in the tests.
 */
public final class TransformerEncoder implements Encoder {

    /** Added to attention scores of padded keys; exp of it underflows to exactly 0 in float and double. */
    private static final double PAD_BIAS = -1e9;
    /** The scratch arena of one layer's backward pass: its temporaries die with it, only ∂L/∂input survives. */
    private static final String LAYER_BACKWARD = "condense-layer-backward";
    /** The scratch arena of one layer's forward pass in {@link #infer}. */
    private static final String LAYER_FORWARD = "condense-layer-forward";

    private final EncoderSpec spec;
    private final Map<String, INDArray> weights;
    private final Set<String> frozen;
    private final InputLayer input;
    private final List<EncoderLayer> layers = new ArrayList<>();
    /** Gate vectors z of factorised matrices, by dense weight name: empty unless ranks are being learned. */
    private final Map<String, INDArray> gates = new LinkedHashMap<>();
    /** Gradient buffers by weight or gate name, kept across steps (see {@link #gradientBuffer}). */
    private final Map<String, INDArray> gradientBuffers = new LinkedHashMap<>();
    /** The kept hidden dimensions (0/1) when some are pruned; null otherwise. */
    private INDArray keepHidden;

    private TransformerEncoder(EncoderSpec spec, Map<String, INDArray> weights, Set<String> frozen) {
        this.spec = spec;
        this.weights = weights;
        this.frozen = Set.copyOf(frozen);
        this.input = InputLayer.of(spec, weights);
        for (int l = 0; l < spec.layers(); l++) {
            layers.add(new EncoderLayer(l, spec, weights, gates));
        }
    }

    /** Builds the engine on a copy of the state's weights in {@code dtype}; {@code frozen} weights get no gradient. */
    public static TransformerEncoder of(ModelState state, DataType dtype, Set<String> frozen) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (ParameterNames.Shaped s : ParameterNames.all(state.spec())) {
            w.put(s.name(), NdArrays.fromTensor(state.weights().get(s.name()), dtype));
        }
        for (String name : frozen) {
            if (!w.containsKey(name)) {
                throw new IllegalArgumentException("cannot freeze unknown weight '" + name + "'");
            }
        }
        TransformerEncoder encoder = new TransformerEncoder(state.spec(), w, frozen);
        if (state.weights().contains(ParameterNames.HIDDEN_KEEP)) {
            encoder.keepHidden(NdArrays.fromTensor(state.weights().get(ParameterNames.HIDDEN_KEEP), dtype));
        }
        return encoder;
    }

    /**
     * Restricts every LayerNorm to the kept hidden dimensions (see {@link LayerNorm}); null keeps all. Hidden-
     * dimension pruning sets this so that the masked model is the smaller model, not an approximation of it.
     */
    public void keepHidden(INDArray keep) {
        if (keep != null && keep.length() != spec.hidden()) {
            throw new IllegalArgumentException("hidden mask has " + keep.length() + " entries, the model "
                    + spec.hidden() + " dimensions");
        }
        this.keepHidden = keep == null ? null : keep.castTo(dtype());
    }

    /**
     * Sets the gates of factorised matrices for the following passes: matrix {@code name} then computes
     * U·diag(z)·V, and backward returns ∂L/∂z under {@link ParameterNames#gate}. An empty map removes every gate.
     */
    public void gates(Map<String, INDArray> values) {
        values.forEach((name, z) -> {
            int rank = spec.rank(name);
            if (rank == 0 || z.length() != rank) {
                throw new IllegalArgumentException("a gate for '" + name + "' needs a factorised matrix and " + rank
                        + " entries; it has " + z.length());
            }
        });
        gates.clear();
        values.forEach((name, z) -> gates.put(name, z.castTo(dtype())));
    }

    /** The weights' data type: every weight has the one the engine was built with. */
    private DataType dtype() {
        return weights.get(POSITION_EMBEDDINGS).dataType();
    }

    @Override
    public EncoderSpec spec() {
        return spec;
    }

    @Override
    public Map<String, INDArray> weights() {
        return weights;
    }

    /** Frees the native buffers of the weights, gates and gradient buffers now; the encoder is unusable after. */
    public void release() {
        NdArrays.release(weights.values());
        NdArrays.release(gates.values());
        NdArrays.release(gradientBuffers.values());
    }

    public Set<String> frozen() {
        return frozen;
    }

    /** A plain-array snapshot of the current weights (the weights only: not the hidden mask). */
    public ModelState toState() {
        TensorMap map = new TensorMap();
        weights.forEach((name, arr) -> map.put(name, NdArrays.toTensor(arr)));
        return new ModelState(spec, map);
    }

    /** Replaces the weights' values (shapes must match) without rebuilding the engine. */
    public void load(TensorMap values) {
        values.asMap().forEach((name, t) -> {
            INDArray target = weights.get(name);
            if (target == null) {
                throw new IllegalArgumentException("no weight named '" + name + "'");
            }
            target.assign(NdArrays.fromTensor(t, target.dataType()));
        });
    }

    @Override
    public EncoderPass forward(Batch batch) {
        return forward(batch, true, Dropout.Masks.NONE);
    }

    @Override
    public EncoderPass forward(Batch batch, Dropout dropout, long seed) {
        return forward(batch, true, dropout.isOff() ? Dropout.Masks.NONE : dropout.masks(seed, dtype()));
    }

    /**
     * A forward pass that will not be differentiated (a teacher's, an evaluation's): each layer runs in a scratch
     * arena that keeps only its output, so the pass holds the hidden states and logits but none of the activations
     * a backward pass reads. {@link #backward} refuses it.
     */
    @Override
    public EncoderPass infer(Batch batch) {
        return forward(batch, false, Dropout.Masks.NONE);
    }

    private EncoderPass forward(Batch batch, boolean differentiable, Dropout.Masks dropout) {
        DataType dtype = dtype();
        int b = batch.size();
        int len = batch.length();
        if (len > spec.maxPositions()) {
            throw new IllegalArgumentException("batch length " + len + " exceeds " + spec.maxPositions() + " positions");
        }
        INDArray mask = Nd4j.create(batch.mask(), new long[] {b, len}, 'c').castTo(dtype);
        INDArray keyBias = mask.rsub(1.0).muli(PAD_BIAS);
        InputLayer.Pass inputs = input.forward(batch);
        INDArray embedded = inputs.output()
                .add(Embedding.lookup(weights.get(POSITION_EMBEDDINGS), positions(b, len)));
        LayerNorm.Result embNorm = LayerNorm.forward(embedded, weights.get(EMBEDDING_NORM_GAMMA),
                weights.get(EMBEDDING_NORM_BETA), spec.layerNormEps(), keepHidden);
        List<EncoderLayer.Cache> caches = new ArrayList<>(layers.size());
        List<INDArray> hidden = new ArrayList<>(layers.size() + 1);
        INDArray embeddingDropout = dropout.hidden(Dropout.Sites.EMBEDDINGS.ordinal(), embNorm.output().shape());
        INDArray x = embeddingDropout == null ? embNorm.output() : embNorm.output().mul(embeddingDropout);
        hidden.add(x);
        for (EncoderLayer layer : layers) {
            INDArray in = x;
            if (differentiable) {
                EncoderLayer.Cache c = layer.forward(in, keyBias, b, len, keepHidden, dropout);
                caches.add(c);
                x = c.output();
            } else {
                x = StepWorkspace.scratch(LAYER_FORWARD, () -> layer.forward(in, keyBias, b, len, keepHidden,
                        Dropout.Masks.NONE).output());
            }
            hidden.add(x);
        }
        INDArray pooling = poolingMatrix(batch, spec.pooling(), dtype);
        INDArray pooled = Nd4j.gemm(pooling, x, false, false);
        INDArray headInput = perPosition() ? x : pooled;
        INDArray headDropout = dropout.hidden(Dropout.Sites.CLASSIFIER.ordinal(), headInput.shape());
        if (headDropout != null) {
            headInput = headInput.mul(headDropout);
        }
        INDArray logits = Linear.forward(headInput, weights.get(CLASSIFIER_WEIGHT), weights.get(CLASSIFIER_BIAS));
        return new EncoderPass(batch, logits, hidden, pooled, pooling, inputs, embNorm,
                differentiable ? new EncoderPass.Activations(caches, embeddingDropout, headInput, headDropout) : null);
    }

    @Override
    public Map<String, INDArray> backward(ForwardPass forwardPass, INDArray dLogits,
                                          Map<Integer, INDArray> dHiddenExtra) {
        EncoderPass pass = (EncoderPass) forwardPass;
        if (pass.activations() == null) {
            throw new IllegalArgumentException("this pass came from infer(), which keeps no activations: "
                    + "differentiate a pass from forward()");
        }
        Batch batch = pass.batch();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        Function<String, INDArray> grad = name -> frozen.contains(name) ? null
                : grads.computeIfAbsent(name, n -> gradientBuffer(n).assign(0));

        EncoderPass.Activations activations = pass.activations();
        INDArray dHeadInput = Linear.backward(activations.headInput(), weights.get(CLASSIFIER_WEIGHT), dLogits,
                grad.apply(CLASSIFIER_WEIGHT), grad.apply(CLASSIFIER_BIAS), true);
        if (activations.headDropout() != null) {
            dHeadInput.muli(activations.headDropout());
        }
        INDArray dx = perPosition() ? dHeadInput : Nd4j.gemm(pass.pooling(), dHeadInput, true, false);
        for (int l = layers.size() - 1; l >= 0; l--) {
            addExtra(dx, dHiddenExtra, l + 1);
            EncoderLayer layer = layers.get(l);
            EncoderLayer.Cache cache = activations.caches().get(l);
            INDArray dOut = dx;
            dx = StepWorkspace.scratch(LAYER_BACKWARD, () -> layer.backward(cache, dOut, grad, batch.size(),
                    batch.length()));
        }
        addExtra(dx, dHiddenExtra, 0);
        if (activations.embeddingDropout() != null) {
            dx.muli(activations.embeddingDropout());
        }
        INDArray dEmbedded = LayerNorm.backward(pass.embNorm(), dx, weights.get(EMBEDDING_NORM_GAMMA),
                grad.apply(EMBEDDING_NORM_GAMMA), grad.apply(EMBEDDING_NORM_BETA));
        input.backward(pass.inputs(), batch, dEmbedded, grad);
        positionGradients(batch, dEmbedded, grad);
        return grads;
    }

    /**
     * The gradient buffer of a weight or gate, made once outside every arena and reused by every later backward pass
     * (which zeroes it): the backward pass writes gradients inside per-layer scratch arenas, which must not own them.
     */
    private INDArray gradientBuffer(String name) {
        return gradientBuffers.computeIfAbsent(name, n -> StepWorkspace.outside(
                () -> (weights.containsKey(n) ? weights.get(n) : gateOf(n)).ulike()));
    }

    private INDArray gateOf(String gradientName) {
        for (Map.Entry<String, INDArray> g : gates.entrySet()) {
            if (ParameterNames.gate(g.getKey()).equals(gradientName)) {
                return g.getValue();
            }
        }
        throw new IllegalStateException("no weight or gate named '" + gradientName + "'");
    }

    /** Whether the classifier reads every position (CTC) rather than their mean. */
    private boolean perPosition() {
        return spec.isSpeech() && spec.speech().ctc();
    }

    private void positionGradients(Batch batch, INDArray dEmbedded,
                                   Function<String, INDArray> grad) {
        INDArray dPos = grad.apply(POSITION_EMBEDDINGS);
        if (dPos != null) {
            INDArray perPosition = dEmbedded.reshape('c', batch.size(), batch.length(), spec.hidden()).sum(0);
            dPos.get(NDArrayIndex.interval(0, batch.length()), NDArrayIndex.all()).addi(perPosition);
        }
    }

    private static void addExtra(INDArray dx, Map<Integer, INDArray> extra, int index) {
        INDArray d = extra.get(index);
        if (d != null) {
            dx.addi(d);
        }
    }

    private static int[] positions(int batch, int length) {
        int[] p = new int[batch * length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i % length;
        }
        return p;
    }

    /**
     * [batch, batch·length] with 1/count at each real token of its row (mean pooling), or 1 at its first position
     * ([CLS] pooling): pooling as one small GEMM, whose transpose is its backward pass.
     */
    private static INDArray poolingMatrix(Batch batch, Pooling pooling, DataType dtype) {
        int b = batch.size();
        int len = batch.length();
        float[] p = new float[b * b * len];
        for (int i = 0; i < b; i++) {
            if (pooling == Pooling.CLS) {
                p[i * b * len + i * len] = 1f;
                continue;
            }
            int count = 0;
            for (int t = 0; t < len; t++) {
                count += (int) batch.mask()[i * len + t];
            }
            for (int t = 0; t < len; t++) {
                p[i * b * len + i * len + t] = batch.mask()[i * len + t] / Math.max(1, count);
            }
        }
        return Nd4j.create(p, new long[] {b, (long) b * len}, 'c').castTo(dtype);
    }
}
