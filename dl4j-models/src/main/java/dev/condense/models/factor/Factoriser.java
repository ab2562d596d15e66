package dev.condense.models.factor;

import dev.condense.models.nn.Svd;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.NdArrays;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Replaces dense encoder matrices by the two factors of their truncated SVD, W ≈ (U·√s)·(√s·Vᵀ), recording each
 * rank in the spec so that the engine runs the product as two thin GEMMs and the saved model is smaller.
 */
public final class Factoriser {

    private Factoriser() {
    }

    /** Full-rank factors for every matrix of {@code kinds} that is still dense: what the learned ranks start from. */
    public static Map<String, Integer> fullRanks(EncoderSpec spec, Set<MatrixKind> kinds) {
        Map<String, Integer> ranks = new TreeMap<>();
        for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(spec)) {
            if (kinds.contains(MatrixKind.ofWeight(m.name()).orElseThrow()) && spec.rank(m.name()) == 0) {
                ranks.put(m.name(), (int) Math.min(m.shape()[0], m.shape()[1]));
            }
        }
        return ranks;
    }

    /** The spec of a model whose named dense matrices are factorised at the given ranks. */
    public static EncoderSpec withRanks(EncoderSpec spec, Map<String, Integer> ranks) {
        Map<String, Integer> all = new TreeMap<>(spec.ranks());
        all.putAll(ranks);
        return spec.withGeometry(spec.hidden(), spec.layerShapes(), all);
    }

    /** @param ranks the rank for each dense matrix to factorise, keyed by its weight name */
    public static ModelState factorise(ModelState model, Map<String, Integer> ranks) {
        return replaceByFactors(model, ranks, Factoriser::factors);
    }

    /** How one dense matrix becomes its two factors, [in, rank] and [rank, out], in float. */
    private interface Factors {
        INDArray[] of(String name, Tensor dense, int rank);
    }

    /** The model with each named dense matrix replaced by its factors, in the weights' order, and its spec's ranks. */
    private static ModelState replaceByFactors(ModelState model, Map<String, Integer> ranks, Factors split) {
        EncoderSpec spec = model.spec();
        TensorMap weights = new TensorMap();
        Set<String> done = new HashSet<>();
        for (Map.Entry<String, Tensor> e : model.weights().asMap().entrySet()) {
            String name = e.getKey();
            Integer rank = ranks.get(name);
            if (rank == null) {
                weights.put(name, e.getValue().copy());
                continue;
            }
            INDArray[] factors = split.of(name, e.getValue(), rank);
            weights.put(ParameterNames.factorU(name), NdArrays.toTensor(factors[0]));
            weights.put(ParameterNames.factorV(name), NdArrays.toTensor(factors[1]));
            done.add(name);
        }
        for (String name : ranks.keySet()) {
            if (!done.contains(name)) {
                throw new IllegalArgumentException("the model has no dense matrix '" + name + "' to factorise");
            }
        }
        return new ModelState(withRanks(spec, ranks), weights);
    }

    /**
     * Factorised matrices with the energy of each direction, largest first: what the gates of learned ranks are
     * warm-started from ({@link RankStep#initialExtras}).
     *
     * @param energies by weight name, the mean squared output along each direction kept (in the basis's metric)
     */
    public record Factorised(ModelState model, Map<String, double[]> energies) {
    }

    /**
     * The factors of the truncated SVD of each named matrix, as {@link #factorise}, with each direction's energy σ²:
     * the basis that is best for the matrix itself, as if its inputs were white.
     */
    public static Factorised inWeightBasis(ModelState model, Map<String, Integer> ranks) {
        Map<String, double[]> energies = new TreeMap<>();
        ModelState factorised = replaceByFactors(model, ranks, (name, dense, rank) -> {
            Svd svd = svdOf(name, dense, rank);
            double[] s = svd.s().toDoubleVector();
            double[] energy = new double[rank];
            for (int i = 0; i < rank; i++) {
                energy[i] = s[i] * s[i];
            }
            energies.put(name, energy);
            return svd.truncate(rank).balancedFactors(DataType.FLOAT);
        });
        return new Factorised(factorised, energies);
    }

    /**
     * The factors that are best on the data (Yu and Wu, 2023: features are low-rank where weights are not): with
     * S = E[x·xᵀ] the second moment of matrix W's inputs, the rank-r matrix closest to W in output error
     * E‖x·W − x·W'‖² is W·Q·Qᵀ, Q the top r eigenvectors of Wᵀ·S·W (the directions of most output energy). The factors
     * are W·Q and Qᵀ, each direction's scale split evenly between them as {@link Svd#balancedFactors} does, and the
     * energies are the eigenvalues. At full rank (min(in, out)) the model computes what it computed before on every
     * input the data spans (on every input, when S has full rank); truncated, it drops the directions its outputs
     * use least, where the SVD of W drops those of smallest singular value whether the data excites them or not.
     */
    public static Factorised inOutputBasis(ModelState model, Map<String, Integer> ranks, InputMoments moments) {
        Map<String, double[]> energies = new TreeMap<>();
        ModelState factorised = replaceByFactors(model, ranks, (name, dense, rank) -> {
            INDArray w = NdArrays.fromTensor(dense, DataType.DOUBLE);
            if (rank < 1 || rank > Math.min(w.rows(), w.columns())) {
                throw new IllegalArgumentException("rank " + rank + " of '" + name + "' is outside 1.."
                        + Math.min(w.rows(), w.columns()));
            }
            OutputDirections directions = outputDirections(w, moments.secondMoment(name));
            energies.put(name, Arrays.copyOf(directions.energies(), rank));
            INDArray q = directions.vectors().get(NDArrayIndex.all(), NDArrayIndex.interval(0, rank));
            INDArray projected = w.mmul(q);
            INDArray scale = Transforms.sqrt(projected.norm2(0), true);
            BooleanIndexing.replaceWhere(scale, 1.0, Conditions.equals(0.0));
            return new INDArray[] {projected.divRowVector(scale).castTo(DataType.FLOAT),
                    q.transpose().mulColumnVector(scale.reshape(rank, 1)).castTo(DataType.FLOAT)};
        });
        return new Factorised(factorised, energies);
    }

    /**
     * The top min(in, out) eigenvectors of Wᵀ·S·W, the outputs' second moment, as the columns of {@code vectors}
     * [out, min(in, out)], with their eigenvalues, descending.
     */
    record OutputDirections(INDArray vectors, double[] energies) {
    }

    /**
     * The eigendecomposition of Wᵀ·S·W: symmetric and positive semi-definite, so its SVD is its eigendecomposition. A wide W (more outputs than inputs, as an FFN's first
     * matrix) is decomposed on its input side instead: with B = S^½·W, the eigenvectors P of B·Bᵀ ([in, in]) give
     * those of BᵀB = Wᵀ·S·W as Bᵀ·P·Λ^-½, at the cost of three in×in decompositions rather than one out×out (0.3 s
     * against 25 s for MiniLM's 384 → 1536).
     */
    static OutputDirections outputDirections(INDArray w, INDArray secondMoment) {
        if (w.columns() <= w.rows()) {
            INDArray energy = w.transpose().mmul(secondMoment).mmul(w);
            Svd eigen = Svd.of(energy.add(energy.transpose()).muli(0.5));
            return new OutputDirections(eigen.vt().transpose(), eigen.s().toDoubleVector());
        }
        Svd moment = Svd.of(secondMoment.add(secondMoment.transpose()).muli(0.5));
        INDArray root = moment.u().mulRowVector(Transforms.sqrt(moment.s(), true)).mmul(moment.u().transpose());
        INDArray b = root.mmul(w);
        INDArray gram = b.mmul(b.transpose());
        Svd inputSide = Svd.of(gram.add(gram.transpose()).muli(0.5));
        double[] energies = inputSide.s().toDoubleVector();
        double[] inverseRoot = new double[energies.length];
        for (int i = 0; i < energies.length; i++) {
            // a direction the data never excites has no output to normalise: its column stays 0
            inverseRoot[i] = energies[i] > 1e-12 * energies[0] ? 1 / Math.sqrt(energies[i]) : 0;
        }
        INDArray q = b.transpose().mmul(inputSide.u()).mulRowVector(Nd4j.createFromArray(inverseRoot));
        return new OutputDirections(q, energies);
    }

    /**
     * LoSparse's starting point (Li et al., 2023): each named matrix W becomes the factors of its top-{@code rank}
     * SVD and the sparse residual S = W − U·V, which keeps every input row until pruning removes some. The model
     * computes exactly what it computed before (up to float rounding); pruning S's rows then leaves the low-rank
     * part to carry what the pruned rows did.
     */
    public static ModelState lowRankPlusSparse(ModelState model, Map<String, Integer> ranks) {
        ModelState factorised = factorise(model, ranks);
        EncoderSpec spec = factorised.spec();
        TensorMap weights = factorised.weights().copy();
        Map<String, List<Integer>> residualRows = new TreeMap<>(spec.residualRows());
        ranks.forEach((name, rank) -> {
            INDArray dense = NdArrays.fromTensor(model.weights().get(name), DataType.DOUBLE);
            INDArray u = NdArrays.fromTensor(weights.get(ParameterNames.factorU(name)), DataType.DOUBLE);
            INDArray v = NdArrays.fromTensor(weights.get(ParameterNames.factorV(name)), DataType.DOUBLE);
            weights.put(name, NdArrays.toTensor(dense.sub(u.mmul(v)).castTo(DataType.FLOAT)));
            residualRows.put(name, IntStream.range(0, (int) dense.rows()).boxed().toList());
        });
        return new ModelState(spec.withGeometry(spec.hidden(), spec.layerShapes(), spec.ranks(), residualRows),
                weights);
    }

    /**
     * The [in, out] matrix an encoder projection computes with, however it is stored: dense, U·V, or U·V plus its
     * sparse residual's rows (LoSparse), in double precision. For reports (spectra), not for the training loop.
     */
    public static INDArray effectiveMatrix(ModelState model, String weight) {
        EncoderSpec spec = model.spec();
        if (spec.rank(weight) == 0) {
            return NdArrays.fromTensor(model.weights().get(weight), DataType.DOUBLE);
        }
        INDArray product = NdArrays.fromTensor(model.weights().get(ParameterNames.factorU(weight)), DataType.DOUBLE)
                .mmul(NdArrays.fromTensor(model.weights().get(ParameterNames.factorV(weight)), DataType.DOUBLE));
        List<Integer> rows = spec.residualRows(weight);
        if (rows != null) {
            INDArray residual = NdArrays.fromTensor(model.weights().get(weight), DataType.DOUBLE);
            for (int p = 0; p < rows.size(); p++) {
                product.getRow(rows.get(p)).addi(residual.getRow(p));
            }
        }
        return product;
    }

    private static INDArray[] factors(String name, Tensor dense, int rank) {
        return svdOf(name, dense, rank).truncate(rank).balancedFactors(DataType.FLOAT);
    }

    /** The SVD of a dense matrix that is to keep {@code rank} directions, refused when it cannot. */
    private static Svd svdOf(String name, Tensor dense, int rank) {
        if (dense.shape().length != 2) {
            throw new IllegalArgumentException("'" + name + "' is not a matrix");
        }
        Svd svd = Svd.of(NdArrays.fromTensor(dense, DataType.DOUBLE));
        if (rank < 1 || rank > svd.rank()) {
            throw new IllegalArgumentException("rank " + rank + " of '" + name + "' is outside 1.." + svd.rank());
        }
        return svd;
    }

    /**
     * Ends rank learning. Each gated matrix keeps the directions {@code kept} names ({@link RankBudget#keptDirections}:
     * as many as its gates are expected to keep, k = round(Σ_i P(z_i ≠ 0)), those with the largest log α, as CoFi
     * fixes its masks); each kept gate takes its mean E[z] and is folded into U (U·diag(z) for the kept columns, the
     * matching rows of V). The count makes the saved model as large as the L0 budget asked for: the usual rule,
     * z = clip(σ(log α)·(ζ − γ) + γ), closes every gate with log α below about −2.4 although it was open with
     * probability up to 0.31 during training, and so kept 9.3% of the values where the budget's expected share was
     * 15.6% (docs/BENCHMARKS.md).
     */
    public static ModelState applyGates(ModelState model, Map<String, INDArray> logAlpha, Map<String, int[]> kept,
                                        HardConcrete gates) {
        EncoderSpec spec = model.spec();
        Map<String, Integer> ranks = new TreeMap<>(spec.ranks());
        TensorMap weights = model.weights().copy();
        logAlpha.forEach((name, la) -> {
            int[] keep = kept.get(name);
            INDArray mean = gates.expected(la.castTo(DataType.DOUBLE));
            double[] zKept = new double[keep.length];
            for (int i = 0; i < keep.length; i++) {
                zKept[i] = mean.getDouble(keep[i]);
            }
            INDArray u = NdArrays.fromTensor(weights.get(ParameterNames.factorU(name)), DataType.DOUBLE);
            INDArray v = NdArrays.fromTensor(weights.get(ParameterNames.factorV(name)), DataType.DOUBLE);
            INDArray uKept = u.getColumns(keep).mulRowVector(Nd4j.createFromArray(zKept));
            INDArray vKept = v.getRows(keep);
            weights.put(ParameterNames.factorU(name), NdArrays.toTensor(uKept.castTo(DataType.FLOAT)));
            weights.put(ParameterNames.factorV(name), NdArrays.toTensor(vKept.castTo(DataType.FLOAT)));
            ranks.put(name, keep.length);
        });
        return new ModelState(spec.withGeometry(spec.hidden(), spec.layerShapes(), ranks), weights);
    }

    /**
     * The model with every factor pair that is no smaller than the dense matrix it stands for, r·(in + out) ≥ in·out,
     * multiplied back into that matrix: such a pair holds more values and costs more multiply-adds per token than the
     * dense matrix, and runs slower as two GEMMs than as one. A matrix gated from full rank keeps that many directions
     * when its data needs them, typically where structured pruning has already narrowed it (a layer's few heads).
     * LoSparse's factors, which add to a sparse residual, are left alone.
     */
    public static ModelState multiplyOutLargeFactors(ModelState model) {
        EncoderSpec spec = model.spec();
        Map<String, String> denseOfFirstFactor = new TreeMap<>();
        Set<String> secondFactors = new HashSet<>();
        for (String weight : spec.ranks().keySet()) {
            if (spec.residualRows(weight) == null && largerThanDense(model, weight)) {
                denseOfFirstFactor.put(ParameterNames.factorU(weight), weight);
                secondFactors.add(ParameterNames.factorV(weight));
            }
        }
        Map<String, Integer> ranks = new TreeMap<>(spec.ranks());
        TensorMap weights = new TensorMap();
        for (Map.Entry<String, Tensor> e : model.weights().asMap().entrySet()) {
            String weight = denseOfFirstFactor.get(e.getKey());
            if (weight != null) {
                INDArray u = NdArrays.fromTensor(e.getValue(), DataType.DOUBLE);
                INDArray v = NdArrays.fromTensor(model.weights().get(ParameterNames.factorV(weight)), DataType.DOUBLE);
                weights.put(weight, NdArrays.toTensor(u.mmul(v).castTo(DataType.FLOAT)));
                ranks.remove(weight);
            } else if (!secondFactors.contains(e.getKey())) {
                weights.put(e.getKey(), e.getValue().copy());
            }
        }
        return new ModelState(spec.withGeometry(spec.hidden(), spec.layerShapes(), ranks, spec.residualRows()),
                weights);
    }

    private static boolean largerThanDense(ModelState model, String weight) {
        long[] u = model.weights().get(ParameterNames.factorU(weight)).shape();
        long[] v = model.weights().get(ParameterNames.factorV(weight)).shape();
        return u[1] * (u[0] + v[1]) >= u[0] * v[1];
    }

    /**
     * The directions a gated matrix keeps at the end (see {@link #applyGates}): the round(Σ P(z ≠ 0)) (at least 1)
     * with the largest log α, in increasing order.
     */
    public static int[] keptDirections(INDArray logAlpha, HardConcrete gates) {
        INDArray alpha = logAlpha.castTo(DataType.DOUBLE);
        int n = (int) alpha.length();
        long count = Math.max(1, Math.min(n, Math.round(gates.openProbability(alpha).sumNumber().doubleValue())));
        double[] values = alpha.reshape(n).toDoubleVector();
        return IntStream.range(0, n).boxed()
                .sorted((a, b) -> Double.compare(values[b], values[a]))
                .limit(count).mapToInt(Integer::intValue).sorted().toArray();
    }

    /**
     * The largest rank r ≥ 1 whose factors, r·(in + out) values, hold at most {@code fraction} of the in·out values
     * of the dense matrix: the rank of a fixed-ratio factorisation.
     */
    public static int rankForParameterFraction(long in, long out, double fraction) {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("parameter fraction must be in (0, 1], got " + fraction);
        }
        long r = (long) Math.floor(fraction * in * out / (in + out));
        return (int) Math.max(1, Math.min(r, Math.min(in, out)));
    }
}
