package dev.condense.models.encoder;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Pooling;
import dev.condense.models.train.CrossEntropy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every weight's analytic gradient against central finite differences, in double precision, through a loss that
 * also touches every hidden state (the path layer distillation uses).
 */
class TransformerEncoderGradientTest {

    private static final double H = 1e-6;

    @Test
    void everyWeightGradientMatchesFiniteDifferences() {
        checkGradients(TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 7), DataType.DOUBLE,
                Set.of()));
    }

    /** [CLS] pooling: the classifier reads position 0 only, so later positions get gradient through attention. */
    @Test
    void everyWeightGradientMatchesFiniteDifferencesWithClsPooling() {
        checkGradients(TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec().withPooling(Pooling.CLS),
                8), DataType.DOUBLE, Set.of()));
    }

    @Test
    void clsPoolingReadsTheFirstPositionOfTheLastLayer() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(
                TinyEncoders.spec().withPooling(Pooling.CLS), 8), DataType.DOUBLE, Set.of());
        Batch batch = TinyEncoders.batch();
        ForwardPass pass = enc.forward(batch);
        INDArray last = pass.hiddenStates().get(enc.spec().layers());
        for (int b = 0; b < batch.size(); b++) {
            assertEquals(0.0, pass.pooled().getRow(b).sub(last.getRow((long) b * batch.length())).amaxNumber()
                    .doubleValue(), 0.0);
        }
    }

    /**
     * A shrunk, partly factorised model: a layer with one head and five neurons whose query and FFN matrices are
     * U·V products, one with no heads, one with no neurons and a factorised attention output.
     */
    @Test
    void everyWeightGradientMatchesFiniteDifferencesInAShrunkFactorisedModel() {
        EncoderSpec spec = TinyEncoders.shrunkSpec();
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(spec, 9), DataType.DOUBLE, Set.of());
        assertTrue(enc.weights().containsKey(ParameterNames.factorU(ParameterNames.ffnIn(0, "weight"))));
        assertTrue(enc.weights().containsKey(ParameterNames.attentionOutput(1, "bias")));
        assertNull(enc.weights().get(ParameterNames.query(1, "weight")));
        assertNull(enc.weights().get(ParameterNames.ffnIn(2, "bias")));
        checkGradients(enc);
    }

    /**
     * LoSparse's U·V + S: the residuals' gradients (including one on a subset of input rows, whose input gradient is
     * scattered back), and the factors' beside them.
     */
    @Test
    void everyWeightGradientMatchesFiniteDifferencesWithSparseResiduals() {
        EncoderSpec spec = TinyEncoders.residualSpec();
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(spec, 12), DataType.DOUBLE, Set.of());
        assertEquals(List.of(3L, 8L), List.of(enc.weights().get(ParameterNames.query(0, "weight")).shape()[0],
                enc.weights().get(ParameterNames.query(0, "weight")).shape()[1]));
        assertTrue(enc.weights().containsKey(ParameterNames.factorU(ParameterNames.query(0, "weight"))));
        assertNull(enc.weights().get(ParameterNames.attentionOutput(1, "weight")));
        checkGradients(enc);
    }

    /** Gated factors, W = U·diag(z)·V: the gradient of every gate entry, and of the weights around it. */
    @Test
    void gateGradientsMatchFiniteDifferences() {
        EncoderSpec spec = TinyEncoders.shrunkSpec();
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(spec, 10), DataType.DOUBLE, Set.of());
        Map<String, INDArray> gates = new HashMap<>();
        Nd4j.getRandom().setSeed(5);
        spec.ranks().forEach((name, rank) -> gates.put(name, Nd4j.rand(DataType.DOUBLE, rank).muli(0.8).addi(0.2)));
        enc.gates(gates);
        checkGradients(enc, gates.keySet());

        Batch batch = TinyEncoders.batch();
        Map<Integer, INDArray> probes = probes(enc, batch);
        var pass = enc.forward(batch);
        Map<String, INDArray> grads = enc.backward(pass, CrossEntropy.of(pass.logits(), batch.labels(), 1.0)
                .dLogits(), probes);
        for (Map.Entry<String, INDArray> g : gates.entrySet()) {
            INDArray z = g.getValue();
            INDArray analytic = grads.get(ParameterNames.gate(g.getKey()));
            for (long i = 0; i < z.length(); i++) {
                double original = z.getDouble(i);
                z.putScalar(i, original + H);
                enc.gates(gates);
                double plus = loss(enc, batch, probes);
                z.putScalar(i, original - H);
                enc.gates(gates);
                double minus = loss(enc, batch, probes);
                z.putScalar(i, original);
                enc.gates(gates);
                double numeric = (plus - minus) / (2 * H);
                assertEquals(numeric, analytic.getDouble(i), 1e-6 + 1e-5 * Math.abs(numeric), g.getKey() + "[" + i + "]");
            }
        }
    }

    /**
     * Dropout at every site, with rates high enough that each mask drops something in the tiny model: the masks are
     * a function of the seed, so every perturbed pass drops the same elements and finite differences hold.
     */
    @Test
    void everyWeightGradientMatchesFiniteDifferencesWithDropout() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 16),
                DataType.DOUBLE, Set.of());
        Batch batch = TinyEncoders.batch();
        Dropout dropout = new Dropout(0.3, 0.4);
        Pass withDropout = b -> enc.forward(b, dropout, 99);
        INDArray dropped = withDropout.of(batch).logits();
        assertEquals(dropped, withDropout.of(batch).logits(), "the same seed drops the same elements");
        assertTrue(dropped.sub(enc.forward(batch).logits()).amaxNumber().doubleValue() > 1e-3, "something dropped");
        assertTrue(dropped.sub(enc.forward(batch, dropout, 100).logits()).amaxNumber().doubleValue() > 1e-3,
                "another seed drops other elements");
        assertEquals(enc.forward(batch).logits(), enc.infer(batch).logits(), "inference drops nothing");
        assertEquals(enc.forward(batch).logits(), enc.forward(batch, Dropout.NONE, 99).logits());
        checkGradients(enc, batch, Set.of(), withDropout);
    }

    /** A speech model: the convolutional front end's weights, through padded utterances, and the pooled head. */
    @Test
    void everyWeightGradientMatchesFiniteDifferencesInASpeechModel() {
        EncoderSpec spec = TinyEncoders.speechSpec(false);
        checkGradients(TransformerEncoder.of(TinyEncoders.randomState(spec, 13), DataType.DOUBLE, Set.of()),
                TinyEncoders.speechBatch(), Set.of());
    }

    /** A speech model whose classifier reads every position, as CTC does. */
    @Test
    void everyWeightGradientMatchesFiniteDifferencesWithAPerPositionHead() {
        EncoderSpec spec = TinyEncoders.speechSpec(true);
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(spec, 14), DataType.DOUBLE, Set.of());
        Batch batch = TinyEncoders.speechBatch();
        assertEquals(batch.size() * batch.length(), enc.forward(batch).logits().rows());
        checkGradients(enc, batch, Set.of());
    }

    /** An utterance's logits do not depend on the longer utterances it is batched with. */
    @Test
    void paddingDoesNotChangeAnUtterancesOutput() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.speechSpec(false), 15),
                DataType.DOUBLE, Set.of());
        Batch padded = TinyEncoders.speechBatch();
        Batch alone = Batch.of(List.of(TinyEncoders.utterance(5, 3)), new int[] {0});
        INDArray inBatch = enc.forward(padded).logits().getRow(2);
        INDArray single = enc.forward(alone).logits().getRow(0);
        assertEquals(0.0, inBatch.sub(single).amaxNumber().doubleValue(), 1e-12);
    }

    private static void checkGradients(TransformerEncoder enc) {
        checkGradients(enc, Set.of());
    }

    private static void checkGradients(TransformerEncoder enc, Set<String> gated) {
        checkGradients(enc, TinyEncoders.batch(), gated);
    }

    private static void checkGradients(TransformerEncoder enc, Batch batch, Set<String> gated) {
        checkGradients(enc, batch, gated, enc::forward);
    }

    /** How a check runs the forward pass it differentiates. */
    private interface Pass {
        ForwardPass of(Batch batch);
    }

    /** @param gated the matrices with gates set, whose gate gradients backward must return too */
    private static void checkGradients(TransformerEncoder enc, Batch batch, Set<String> gated, Pass forward) {
        Map<Integer, INDArray> probes = probes(enc, batch);

        var pass = forward.of(batch);
        CrossEntropy.Result ce = CrossEntropy.of(pass.logits(), rowLabels(pass.logits(), batch), 1.0);
        Map<String, INDArray> grads = enc.backward(pass, ce.dLogits(), probes);
        Set<String> expected = new java.util.HashSet<>(enc.weights().keySet());
        gated.forEach(name -> expected.add(ParameterNames.gate(name)));
        assertEquals(expected, grads.keySet());

        for (Map.Entry<String, INDArray> e : enc.weights().entrySet()) {
            INDArray w = e.getValue();
            INDArray g = grads.get(e.getKey());
            long n = w.length();
            for (long i = 0; i < n; i += Math.max(1, n / 40)) {
                double original = w.getDouble(i);
                w.putScalar(i, original + H);
                double plus = loss(forward.of(batch), batch, probes);
                w.putScalar(i, original - H);
                double minus = loss(forward.of(batch), batch, probes);
                w.putScalar(i, original);
                double numeric = (plus - minus) / (2 * H);
                double analytic = g.getDouble(i);
                double tol = 1e-6 + 1e-5 * Math.abs(numeric);
                assertEquals(numeric, analytic, tol, e.getKey() + "[" + i + "]");
            }
        }
    }

    @Test
    void repeatedTokenIdsAccumulateTheirGradients() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 3),
                DataType.DOUBLE, Set.of());
        Batch batch = TinyEncoders.batch();
        var pass = enc.forward(batch);
        Map<String, INDArray> grads = enc.backward(pass,
                CrossEntropy.of(pass.logits(), batch.labels(), 1.0).dLogits(), Map.of());
        INDArray word = grads.get(ParameterNames.WORD_EMBEDDINGS);
        // id 7 appears three times, id 5 never
        assertTrue(word.getRow(7).norm2Number().doubleValue() > 0);
        assertEquals(0.0, word.getRow(5).norm2Number().doubleValue(), 0.0);
    }

    @Test
    void frozenWeightsGetNoGradient() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 3),
                DataType.DOUBLE, Set.of(ParameterNames.WORD_EMBEDDINGS));
        Batch batch = TinyEncoders.batch();
        var pass = enc.forward(batch);
        Map<String, INDArray> grads = enc.backward(pass,
                CrossEntropy.of(pass.logits(), batch.labels(), 1.0).dLogits(), Map.of());
        assertNull(grads.get(ParameterNames.WORD_EMBEDDINGS));
        assertTrue(grads.containsKey(ParameterNames.POSITION_EMBEDDINGS));
    }

    @Test
    void paddingDoesNotChangeAnExamplesOutput() {
        TransformerEncoder enc = TransformerEncoder.of(TinyEncoders.randomState(TinyEncoders.spec(), 5),
                DataType.DOUBLE, Set.of());
        Batch padded = TinyEncoders.batch();
        Batch alone = Batch.of(List.of(new dev.condense.models.text.Encoding(new int[] {1, 9, 2}, new int[3])),
                new int[] {0});
        INDArray inBatch = enc.forward(padded).logits().getRow(1);
        INDArray single = enc.forward(alone).logits().getRow(0);
        assertEquals(0.0, inBatch.sub(single).amaxNumber().doubleValue(), 1e-12);
    }

    /** The batch's labels, or for a per-position head a fixed label for every row. */
    private static int[] rowLabels(INDArray logits, Batch batch) {
        if (logits.rows() == batch.size()) {
            return batch.labels();
        }
        int[] labels = new int[logits.rows()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % (int) logits.columns();
        }
        return labels;
    }

    /** Fixed random projections R_l; the loss adds Σ_l ⟨R_l, hidden_l⟩ so every hidden state gets a gradient. */
    private static Map<Integer, INDArray> probes(TransformerEncoder enc, Batch batch) {
        Map<Integer, INDArray> probes = new HashMap<>();
        Nd4j.getRandom().setSeed(11);
        for (int l = 0; l <= enc.spec().layers(); l++) {
            probes.put(l, Nd4j.rand(DataType.DOUBLE, (long) batch.size() * batch.length(), enc.spec().hidden())
                    .subi(0.5));
        }
        return probes;
    }

    private static double loss(TransformerEncoder enc, Batch batch, Map<Integer, INDArray> probes) {
        return loss(enc.forward(batch), batch, probes);
    }

    private static double loss(ForwardPass pass, Batch batch, Map<Integer, INDArray> probes) {
        double loss = CrossEntropy.of(pass.logits(), rowLabels(pass.logits(), batch), 1.0).lossSum();
        for (Map.Entry<Integer, INDArray> p : probes.entrySet()) {
            loss += pass.hiddenStates().get(p.getKey()).mul(p.getValue()).sumNumber().doubleValue();
        }
        return loss;
    }
}
