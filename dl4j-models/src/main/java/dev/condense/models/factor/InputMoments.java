package dev.condense.models.factor;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.state.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The second moments Σ x·xᵀ of what each encoder matrix multiplies, over the real (unpadded) tokens of some batches,
 * with the token count: the metric in which {@link Factoriser#inOutputBasis} truncates a matrix, so that the
 * directions it drops are those that change the matrix's outputs least on the data rather than those of smallest
 * singular value. Mergeable, so that executors can each sum their shard's and the driver add them up.
 */
public final class InputMoments implements Serializable {

    private static final long serialVersionUID = 1L;
    private static final String WORKSPACE = "condense-input-moments";

    /** Σ x·xᵀ by weight name, [in, in] row-major: plain arrays, which Spark serializes as they are. */
    private final LinkedHashMap<String, float[]> sums;
    private final long tokens;

    private InputMoments(LinkedHashMap<String, float[]> sums, long tokens) {
        this.sums = sums;
        this.tokens = tokens;
    }

    /** No tokens seen. */
    public static InputMoments none() {
        return new InputMoments(new LinkedHashMap<>(), 0);
    }

    /**
     * The moments of the inputs of {@code weights} (dense encoder matrices) over {@code batches}, from the engine's
     * forward passes. Matrices that share an input (a layer's query, key and value) share one product.
     */
    public static InputMoments of(TransformerEncoder encoder, Iterator<Batch> batches, List<String> weights) {
        Map<String, INDArray> sums = new LinkedHashMap<>();
        long tokens = 0;
        while (batches.hasNext()) {
            Batch batch = batches.next();
            try (MemoryWorkspace ws = StepWorkspace.open(WORKSPACE)) {
                ForwardPass pass = encoder.forward(batch);
                INDArray realRows = Nd4j.create(batch.mask(), new long[] {batch.mask().length, 1}, 'c');
                Map<INDArray, INDArray> products = new IdentityHashMap<>();
                for (String weight : weights) {
                    INDArray x = pass.linearInput(weight);
                    if (x == null) {
                        throw new IllegalArgumentException("'" + weight + "' is not a dense encoder matrix of this "
                                + "model");
                    }
                    INDArray product = products.computeIfAbsent(x,
                            input -> Nd4j.gemm(input.mulColumnVector(realRows.castTo(input.dataType())), input,
                                    true, false));
                    INDArray sum = sums.computeIfAbsent(weight, w -> StepWorkspace.outside(
                            () -> Nd4j.zeros(DataType.DOUBLE, x.columns(), x.columns())));
                    sum.addi(product.castTo(DataType.DOUBLE));
                }
            }
            tokens += batch.tokens();
        }
        LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
        sums.forEach((weight, sum) -> out.put(weight, sum.data().asFloat()));
        NdArrays.release(sums.values());
        return new InputMoments(out, tokens);
    }

    /** Both sums added up. */
    public InputMoments merge(InputMoments other) {
        if (tokens == 0) {
            return other;
        }
        if (other.tokens == 0) {
            return this;
        }
        if (!sums.keySet().equals(other.sums.keySet())) {
            throw new IllegalArgumentException("moments of the inputs of " + sums.keySet() + " and of "
                    + other.sums.keySet() + " cannot be added");
        }
        LinkedHashMap<String, float[]> merged = new LinkedHashMap<>();
        sums.forEach((weight, sum) -> {
            float[] theirs = other.sums.get(weight);
            float[] total = new float[sum.length];
            for (int i = 0; i < total.length; i++) {
                total[i] = (float) ((double) sum[i] + theirs[i]);
            }
            merged.put(weight, total);
        });
        return new InputMoments(merged, tokens + other.tokens);
    }

    public long tokens() {
        return tokens;
    }

    /** E[x·xᵀ] of the input of {@code weight}, [in, in], in double. */
    public INDArray secondMoment(String weight) {
        float[] sum = sums.get(weight);
        if (sum == null || tokens == 0) {
            throw new IllegalArgumentException("no moments of the input of '" + weight + "'");
        }
        int in = (int) Math.round(Math.sqrt(sum.length));
        return Nd4j.create(sum, new long[] {in, in}, 'c').castTo(DataType.DOUBLE).divi(tokens);
    }
}
