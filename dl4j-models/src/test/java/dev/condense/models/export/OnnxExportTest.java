package dev.condense.models.export;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.ForwardPass;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.prune.MaskSet;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.TestPruners;
import dev.condense.models.shrink.Shrinker;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.train.TrainingState;
import onnx.Onnx;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kind of model Condense writes, exported and run in ONNX Runtime, gives the engine's logits, pooled embedding
 * and last hidden state on padded batches.
 */
class OnnxExportTest {

    private static final double TOLERANCE = 1e-4;

    private static List<String> labels(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("class " + i);
        }
        return out;
    }

    /**
     * The engine's and ONNX Runtime's outputs agree within 1e-4 at every real position, with standard operators only
     * and with ONNX Runtime's fused ones.
     */
    static void assertSameOutputs(ModelState model, Batch batch) throws Exception {
        for (Operators operators : Operators.values()) {
            assertSameOutputs(model, batch, operators);
        }
    }

    private static void assertSameOutputs(ModelState model, Batch batch, Operators operators) throws Exception {
        ForwardPass ours = TransformerEncoder.of(model, DataType.FLOAT, Set.of()).forward(batch);
        byte[] onnx = OnnxExport.toBytes(model, Precision.FLOAT32, operators, labels(model.spec().numLabels()),
                "test");
        try (OnnxRuntimeModel ort = new OnnxRuntimeModel(onnx, 1)) {
            assertClose(ours.logits(), ort.run(batch, EncoderGraph.LOGITS), batch, "logits");
            assertEquals(0, ours.logits().sub(ort.logits(batch)).amaxNumber().doubleValue(), TOLERANCE,
                    "logits in the engine's layout");
            assertClose(ours.pooled(), ort.run(batch, EncoderGraph.EMBEDDING), batch, "embedding");
            INDArray last = ours.hiddenStates().get(model.spec().layers());
            float[] theirs = ort.run(batch, EncoderGraph.LAST_HIDDEN_STATE);
            int hidden = model.spec().hidden();
            double max = 0;
            for (int row = 0; row < batch.size() * batch.length(); row++) {
                if (batch.mask()[row] == 0) {
                    continue; // padded positions are not outputs of either engine
                }
                for (int h = 0; h < hidden; h++) {
                    max = Math.max(max, Math.abs(last.getDouble(row, h) - theirs[row * hidden + h]));
                }
            }
            assertEquals(0, max, TOLERANCE, "last hidden state");
        }
    }

    private static void assertClose(INDArray ours, float[] theirs, Batch batch, String what) {
        float[] flat = ours.dup('c').data().asFloat();
        assertEquals(flat.length, theirs.length, what + " size");
        double max = 0;
        for (int i = 0; i < flat.length; i++) {
            max = Math.max(max, Math.abs(flat[i] - theirs[i]));
        }
        assertEquals(0, max, TOLERANCE, what + ": max |engine - onnxruntime|");
    }

    @Test
    void denseModel() throws Exception {
        assertSameOutputs(TinyEncoders.randomState(TinyEncoders.spec(), 41), TinyEncoders.batch());
    }

    @Test
    void clsPooledModel() throws Exception {
        assertSameOutputs(TinyEncoders.randomState(TinyEncoders.spec().withPooling(
                dev.condense.models.state.Pooling.CLS), 40), TinyEncoders.batch());
    }

    @Test
    void shrunkModelWithEmptyLayersAndFactors() throws Exception {
        assertSameOutputs(TinyEncoders.randomState(TinyEncoders.shrunkSpec(), 42), TinyEncoders.batch());
    }

    @Test
    void lowRankPlusSparseWithGatheredResidualRows() throws Exception {
        assertSameOutputs(TinyEncoders.randomState(TinyEncoders.residualSpec(), 43), TinyEncoders.batch());
    }

    @Test
    void prunedHiddenDimensionsBeforeAndAfterShrinking() throws Exception {
        EncoderSpec spec = TinyEncoders.spec();
        List<dev.condense.models.prune.PruneGroup> groups = new ArrayList<>(TestPruners.headsAndNeurons(0.5));
        groups.add(TestPruners.hidden(0.25));
        TrainingState state = PrunedTraining.start(TestPruners.oneShot(groups, ScoreMethod.L2, spec),
                TrainingState.start(TinyEncoders.randomState(spec, 44), Set.of()));
        ModelState masked = MaskSet.prunedModel(state.model(), state.masks());
        assertTrue(masked.weights().contains(ParameterNames.HIDDEN_KEEP));
        assertSameOutputs(masked, TinyEncoders.batch());
        assertSameOutputs(Shrinker.shrink(masked), TinyEncoders.batch());
    }

    @Test
    void factorisedModel() throws Exception {
        ModelState dense = TinyEncoders.randomState(TinyEncoders.spec(), 45);
        assertSameOutputs(Factoriser.factorise(dense, Map.of(ParameterNames.ffnIn(0, "weight"), 3,
                ParameterNames.value(1, "weight"), 2)), TinyEncoders.batch());
    }

    @Test
    void speechClassifierAndCtcModel() throws Exception {
        assertSameOutputs(TinyEncoders.randomState(TinyEncoders.speechSpec(false), 46), TinyEncoders.speechBatch());
        assertSameOutputs(TinyEncoders.randomState(TinyEncoders.speechSpec(true), 47), TinyEncoders.speechBatch());
    }

    /**
     * The standard graph uses the default domain only; ONNX Runtime's graph ends every block (of a model with all
     * hidden dimensions) in one SkipLayerNormalization and runs the FFN activation as one BiasGelu.
     */
    @Test
    void operatorSetsDecideTheDomainsAGraphUses() throws Exception {
        ModelState model = TinyEncoders.randomState(TinyEncoders.spec(), 49);
        Onnx.ModelProto standard = Onnx.ModelProto.parseFrom(OnnxExport.toBytes(model, Precision.FLOAT32,
                Operators.STANDARD, labels(3), "test"));
        assertTrue(standard.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()));
        assertEquals(1, standard.getOpsetImportCount());
        Onnx.ModelProto fused = Onnx.ModelProto.parseFrom(OnnxExport.toBytes(model, Precision.FLOAT32,
                Operators.ONNX_RUNTIME, labels(3), "test"));
        Map<String, Long> contrib = fused.getGraph().getNodeList().stream()
                .filter(n -> n.getDomain().equals(OnnxGraph.MICROSOFT))
                .collect(java.util.stream.Collectors.groupingBy(Onnx.NodeProto::getOpType,
                        java.util.stream.Collectors.counting()));
        int layers = model.spec().layers();
        assertEquals(Map.of("SkipLayerNormalization", 2L * layers, "BiasGelu", (long) layers), contrib);
        assertEquals(OnnxGraph.MICROSOFT, fused.getOpsetImport(1).getDomain());
    }

    @Test
    void metadataNamesLabelsKindAndPrecision() throws Exception {
        ModelState model = TinyEncoders.randomState(TinyEncoders.spec(), 48);
        byte[] bytes = OnnxExport.toBytes(model, Precision.INT8, Operators.ONNX_RUNTIME,
                List.of("neg", "pos \"quoted\"", "neutral"), "1.2");
        Onnx.ModelProto proto = Onnx.ModelProto.parseFrom(bytes);
        Map<String, String> meta = new java.util.HashMap<>();
        proto.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
        assertEquals("[\"neg\",\"pos \\\"quoted\\\"\",\"neutral\"]", meta.get(OnnxExport.LABELS));
        assertEquals("text", meta.get(OnnxExport.KIND));
        assertEquals("int8", meta.get(OnnxExport.PRECISION));
        assertEquals("onnx_runtime", meta.get(OnnxExport.OPERATORS));
        assertEquals(OnnxGraph.OPSET, proto.getOpsetImport(0).getVersion());
        try (OnnxRuntimeModel ort = new OnnxRuntimeModel(bytes, 1)) {
            assertEquals(Set.of(EncoderGraph.INPUT_IDS, EncoderGraph.ATTENTION_MASK, EncoderGraph.TOKEN_TYPE_IDS),
                    ort.session().getInputNames());
        }
    }

    @Test
    void labelNamesMustMatchTheOutputs() {
        ModelState model = TinyEncoders.randomState(TinyEncoders.spec(), 49);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OnnxExport.toBytes(model, Precision.FLOAT32, Operators.STANDARD, List.of("0", "1"), "test"));
        assertTrue(e.getMessage().contains("3 outputs but 2 label names"), e.getMessage());
    }
}
