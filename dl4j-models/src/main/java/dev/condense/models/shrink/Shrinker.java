package dev.condense.models.shrink;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.state.TensorMap;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Turns a structurally pruned model into the physically smaller model that computes the same function: pruned
 * heads, FFN neurons and hidden dimensions are cut out of every matrix, bias and norm that carries them.
 *
 * <p>What counts as pruned is read from the model itself, so the shrinker needs no masks and cannot disagree with
 * them:
 * <ul>
 *   <li>a head whose rows of the attention-output matrix are all zero contributes nothing to the layer's output,
 *       whatever its queries, keys and values are, so its query, key and value columns (and biases) and its
 *       output rows go;</li>
 *   <li>an FFN neuron whose FFN-out row is all zero likewise goes, with its FFN-in column and bias;</li>
 *   <li>hidden dimensions go when the model carries {@link ParameterNames#HIDDEN_KEEP}: its LayerNorms already
 *       normalise over the kept dimensions only, and a pruned dimension is zero after every norm.</li>
 * </ul>
 * Element (unstructured) zeros stay where they are: a dense matrix with zeros in it is no smaller. A factorised
 * matrix U·V is cut through its factors: the rows of U on its input side, the columns of V on its output side. Its
 * sparse residual S (LoSparse, U·V + S) loses every all-zero row, becoming a smaller dense matrix over the input
 * rows it keeps (see {@link EncoderSpec#residualRows}); a structure counts as pruned only when its rows are zero in
 * both U and S.
 */
public final class Shrinker {

    private Shrinker() {
    }

    public static ModelState shrink(ModelState model) {
        EncoderSpec spec = model.spec();
        TensorMap w = model.weights();
        int[] hidden = w.contains(ParameterNames.HIDDEN_KEEP)
                ? indices(spec.hidden(), i -> w.get(ParameterNames.HIDDEN_KEEP).data()[i] != 0)
                : all(spec.hidden());
        Cutter cut = new Cutter(spec, w, new TreeMap<>());
        TensorMap out = new TensorMap();
        if (spec.isSpeech()) {
            out.put(ParameterNames.CONV1_WEIGHT, w.get(ParameterNames.CONV1_WEIGHT).copy());
            out.put(ParameterNames.CONV1_BIAS, w.get(ParameterNames.CONV1_BIAS).copy());
            out.put(ParameterNames.CONV2_WEIGHT, cut.columns(w.get(ParameterNames.CONV2_WEIGHT), hidden));
            out.put(ParameterNames.CONV2_BIAS, cut.entries(w.get(ParameterNames.CONV2_BIAS), hidden));
        }
        List<String> tables = spec.isSpeech() ? List.of(ParameterNames.POSITION_EMBEDDINGS)
                : List.of(ParameterNames.WORD_EMBEDDINGS, ParameterNames.POSITION_EMBEDDINGS,
                ParameterNames.TYPE_EMBEDDINGS);
        for (String table : tables) {
            out.put(table, cut.columns(w.get(table), hidden));
        }
        for (String norm : List.of(ParameterNames.EMBEDDING_NORM_GAMMA, ParameterNames.EMBEDDING_NORM_BETA)) {
            out.put(norm, cut.entries(w.get(norm), hidden));
        }
        List<EncoderSpec.LayerShape> shapes = new ArrayList<>();
        for (int l = 0; l < spec.layers(); l++) {
            int[] heads = keptHeads(spec, w, l);
            int[] neurons = keptNeurons(spec, w, l);
            shapes.add(new EncoderSpec.LayerShape(heads.length, neurons.length));
            int[] attention = headColumns(heads, spec.headSize());
            if (heads.length > 0) {
                for (String prefix : List.of(ParameterNames.query(l, ""), ParameterNames.key(l, ""),
                        ParameterNames.value(l, ""))) {
                    cut.matrix(out, prefix + "weight", hidden, attention);
                    out.put(prefix + "bias", cut.entries(w.get(prefix + "bias"), attention));
                }
                cut.matrix(out, ParameterNames.attentionOutput(l, "weight"), attention, hidden);
            }
            if (neurons.length > 0) {
                cut.matrix(out, ParameterNames.ffnIn(l, "weight"), hidden, neurons);
                out.put(ParameterNames.ffnIn(l, "bias"), cut.entries(w.get(ParameterNames.ffnIn(l, "bias")), neurons));
                cut.matrix(out, ParameterNames.ffnOut(l, "weight"), neurons, hidden);
            }
            for (String vector : List.of(ParameterNames.attentionOutput(l, "bias"), ParameterNames.attentionNorm(l,
                    "gamma"), ParameterNames.attentionNorm(l, "beta"), ParameterNames.ffnOut(l, "bias"),
                    ParameterNames.ffnNorm(l, "gamma"), ParameterNames.ffnNorm(l, "beta"))) {
                out.put(vector, cut.entries(w.get(vector), hidden));
            }
        }
        out.put(ParameterNames.CLASSIFIER_WEIGHT, cut.rows(w.get(ParameterNames.CLASSIFIER_WEIGHT), hidden));
        out.put(ParameterNames.CLASSIFIER_BIAS, w.get(ParameterNames.CLASSIFIER_BIAS).copy());
        Map<String, Integer> ranks = new TreeMap<>(spec.ranks());
        ranks.keySet().removeIf(name -> !out.contains(ParameterNames.factorU(name)));
        return new ModelState(spec.withGeometry(hidden.length, shapes, ranks, cut.residualRows()), out);
    }

    /** Heads whose attention-output rows are not all zero. */
    private static int[] keptHeads(EncoderSpec spec, TensorMap w, int layer) {
        int heads = spec.layer(layer).heads();
        if (heads == 0) {
            return new int[0];
        }
        String output = ParameterNames.attentionOutput(layer, "weight");
        int d = spec.headSize();
        return indices(heads, h -> !inputRowsZero(spec, w, output, h * d, (h + 1) * d));
    }

    /** Neurons whose FFN-out row is not all zero. */
    private static int[] keptNeurons(EncoderSpec spec, TensorMap w, int layer) {
        int ffn = spec.layer(layer).ffn();
        if (ffn == 0) {
            return new int[0];
        }
        String output = ParameterNames.ffnOut(layer, "weight");
        return indices(ffn, i -> !inputRowsZero(spec, w, output, i, i + 1));
    }

    /**
     * Whether input rows [from, to) of a matrix are zero in everything that reads them: the dense matrix, or the U
     * of its factors and the residual's rows among them.
     */
    private static boolean inputRowsZero(EncoderSpec spec, TensorMap w, String weight, int from, int to) {
        if (spec.rank(weight) == 0) {
            return rowsZero(w.get(weight), from, to);
        }
        if (!rowsZero(w.get(ParameterNames.factorU(weight)), from, to)) {
            return false;
        }
        List<Integer> residualRows = spec.residualRows(weight);
        if (residualRows == null) {
            return true;
        }
        for (int p = 0; p < residualRows.size(); p++) {
            int row = residualRows.get(p);
            if (row >= from && row < to && !rowsZero(w.get(weight), p, p + 1)) {
                return false;
            }
        }
        return true;
    }

    private static boolean rowsZero(Tensor t, int from, int to) {
        int cols = (int) t.shape()[1];
        for (int i = from * cols; i < to * cols; i++) {
            if (t.data()[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static int[] headColumns(int[] heads, int headSize) {
        int[] out = new int[heads.length * headSize];
        for (int i = 0; i < heads.length; i++) {
            for (int j = 0; j < headSize; j++) {
                out[i * headSize + j] = heads[i] * headSize + j;
            }
        }
        return out;
    }

    private static int[] indices(int n, IntPredicate keep) {
        return IntStream.range(0, n).filter(keep).toArray();
    }

    private static int[] all(int n) {
        return indices(n, i -> true);
    }

    /**
     * Copies the kept rows, columns and entries out of a model's tensors, collecting the rows each surviving sparse
     * residual keeps in {@code residualRows}.
     */
    private record Cutter(EncoderSpec spec, TensorMap w, Map<String, List<Integer>> residualRows) {

        /**
         * A projection's kept input rows and output columns, dense or through its factors. Factors whose rank would
         * exceed the smaller matrix's sides are multiplied out (with the residual added back): dense is then both
         * smaller and exact.
         */
        void matrix(TensorMap out, String weight, int[] rows, int[] cols) {
            int rank = spec.rank(weight);
            if (rank == 0) {
                out.put(weight, select(w.get(weight), rows, null, cols));
                return;
            }
            Tensor u = rows(w.get(ParameterNames.factorU(weight)), rows);
            Tensor v = columns(w.get(ParameterNames.factorV(weight)), cols);
            List<Integer> residualRows = spec.residualRows(weight);
            if (rank > Math.min(rows.length, cols.length)) {
                Tensor dense = product(u, v);
                if (residualRows != null) {
                    addResidual(dense, rows, cols, weight, residualRows);
                }
                out.put(weight, dense);
                return;
            }
            out.put(ParameterNames.factorU(weight), u);
            out.put(ParameterNames.factorV(weight), v);
            if (residualRows != null) {
                cutResidual(out, weight, residualRows, rows, cols);
            }
        }

        /**
         * The residual's rows that read a kept input and are not all zero over the kept columns, renumbered to the
         * kept inputs; a residual left with no row is dropped.
         */
        private void cutResidual(TensorMap out, String weight, List<Integer> residualRows, int[] rows, int[] cols) {
            Tensor residual = columns(w.get(weight), cols);
            List<Integer> keptPositions = new ArrayList<>();
            List<Integer> newRows = new ArrayList<>();
            for (int p = 0; p < residualRows.size(); p++) {
                int at = Arrays.binarySearch(rows, residualRows.get(p));
                if (at >= 0 && !rowsZero(residual, p, p + 1)) {
                    keptPositions.add(p);
                    newRows.add(at);
                }
            }
            if (!newRows.isEmpty()) {
                out.put(weight, rows(residual, keptPositions.stream().mapToInt(Integer::intValue).toArray()));
                this.residualRows.put(weight, newRows);
            }
        }

        /** dense[i, j] += S[p, cols[j]] for each residual row p whose input rows[i] was kept. */
        private void addResidual(Tensor dense, int[] rows, int[] cols, String weight, List<Integer> residualRows) {
            Tensor residual = w.get(weight);
            int n = (int) residual.shape()[1];
            for (int p = 0; p < residualRows.size(); p++) {
                int i = Arrays.binarySearch(rows, residualRows.get(p));
                if (i < 0) {
                    continue;
                }
                for (int j = 0; j < cols.length; j++) {
                    dense.data()[i * cols.length + j] += residual.data()[p * n + cols[j]];
                }
            }
        }

        private static Tensor product(Tensor u, Tensor v) {
            int m = (int) u.shape()[0];
            int r = (int) u.shape()[1];
            int n = (int) v.shape()[1];
            float[] out = new float[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double sum = 0;
                    for (int k = 0; k < r; k++) {
                        sum += (double) u.data()[i * r + k] * v.data()[k * n + j];
                    }
                    out[i * n + j] = (float) sum;
                }
            }
            return new Tensor(new long[] {m, n}, out);
        }

        Tensor rows(Tensor t, int[] rows) {
            return select(t, rows, null, null);
        }

        Tensor columns(Tensor t, int[] cols) {
            return select(t, null, null, cols);
        }

        Tensor entries(Tensor t, int[] keep) {
            return select(t, null, keep, null);
        }

        /** For a matrix: the given rows (all when null) and columns (all when null); for a vector: the entries. */
        private static Tensor select(Tensor t, int[] rows, int[] entries, int[] cols) {
            if (t.shape().length == 1) {
                float[] out = new float[entries.length];
                for (int i = 0; i < entries.length; i++) {
                    out[i] = t.data()[entries[i]];
                }
                return new Tensor(new long[] {out.length}, out);
            }
            int n = (int) t.shape()[1];
            int[] r = rows == null ? all((int) t.shape()[0]) : rows;
            int[] c = cols == null ? all(n) : cols;
            float[] out = new float[r.length * c.length];
            for (int i = 0; i < r.length; i++) {
                int base = r[i] * n;
                for (int j = 0; j < c.length; j++) {
                    out[i * c.length + j] = t.data()[base + c[j]];
                }
            }
            return new Tensor(new long[] {r.length, c.length}, out);
        }
    }
}
