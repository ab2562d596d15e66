package dev.condense.models.export;

import dev.condense.models.encoder.Batch;
import dev.condense.models.eval.Evaluator;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Tensor;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * all-MiniLM-L6-v2 exported: the engine's outputs on real SST-2 sentences, and a dynamically quantized copy whose
 * accuracy on all 872 dev sentences stays within a point of float32's.
 */
class MiniLmExportTest {

    private static final int BATCH = 32;
    private static List<Example> dev;

    private record Example(Encoding encoding, int label) {
    }

    @BeforeAll
    static void readDev() throws Exception {
        dev = read(Path.of("../data-samples/sst2/dev.tsv"), Integer.MAX_VALUE);
    }

    private static List<Example> read(Path tsv, int limit) throws Exception {
        WordPieceTokenizer tok = MiniLm.tokenizer();
        List<Example> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(tsv);
        for (String line : lines.subList(1, (int) Math.min(lines.size(), limit + 1L))) {
            String[] cols = line.split("\t");
            out.add(new Example(tok.encode(cols[0], 128), Integer.parseInt(cols[1].trim())));
        }
        return out;
    }

    private static List<Batch> batches(List<Example> examples) {
        List<Batch> out = new ArrayList<>();
        for (int i = 0; i < examples.size(); i += BATCH) {
            List<Example> slice = examples.subList(i, Math.min(examples.size(), i + BATCH));
            out.add(Batch.of(slice.stream().map(Example::encoding).toList(),
                    slice.stream().mapToInt(Example::label).toArray()));
        }
        return out;
    }

    @Test
    void realSentencesGiveTheEnginesOutputs() throws Exception {
        OnnxExportTest.assertSameOutputs(MiniLm.classifier(2, 3), batches(dev.subList(0, BATCH)).get(0));
    }

    /**
     * A real classifier for the comparison without a training run: logistic regression on the frozen encoder's
     * pooled embeddings of 1,024 training sentences (about 80% on dev), put into the model's head.
     */
    @Test
    void int8StaysWithinAPointOfFloat32OnSst2Dev() throws Exception {
        ModelState model = MiniLm.classifier(2, 3);
        List<Example> train = read(Path.of("../data-samples/sst2/train.tsv"), 1024);
        byte[] fp32 = OnnxExport.toBytes(model, Precision.FLOAT32, Operators.ONNX_RUNTIME, List.of("0", "1"),
                "test");
        float[][] features;
        try (OnnxRuntimeModel ort = new OnnxRuntimeModel(fp32, 1)) {
            features = embeddings(ort, train);
        }
        float[] head = LogisticHead.fit(features, train.stream().mapToInt(Example::label).toArray(), 2);
        int hidden = model.spec().hidden();
        model.weights().put(ParameterNames.CLASSIFIER_WEIGHT,
                new Tensor(new long[] {hidden, 2}, java.util.Arrays.copyOf(head, hidden * 2)));
        model.weights().put(ParameterNames.CLASSIFIER_BIAS,
                new Tensor(new long[] {2}, java.util.Arrays.copyOfRange(head, hidden * 2, hidden * 2 + 2)));

        double float32 = accuracy(OnnxExport.toBytes(model, Precision.FLOAT32, Operators.ONNX_RUNTIME,
                List.of("0", "1"), "test"));
        double int8 = accuracy(OnnxExport.toBytes(model, Precision.INT8, Operators.ONNX_RUNTIME,
                List.of("0", "1"), "test"));
        assertTrue(float32 > 0.7, "the logistic head is a real classifier: " + float32);
        assertEquals(float32, int8, 0.01, "INT8 accuracy " + int8 + " against float32 " + float32);
    }

    private static float[][] embeddings(OnnxRuntimeModel ort, List<Example> examples) throws Exception {
        float[][] out = new float[examples.size()][];
        int row = 0;
        for (Batch b : batches(examples)) {
            float[] flat = ort.run(b, EncoderGraph.EMBEDDING);
            int width = flat.length / b.size();
            for (int i = 0; i < b.size(); i++) {
                out[row++] = java.util.Arrays.copyOfRange(flat, i * width, (i + 1) * width);
            }
        }
        return out;
    }

    private static double accuracy(byte[] onnx) {
        try (OnnxRuntimeModel ort = new OnnxRuntimeModel(onnx, 1)) {
            return Evaluator.evaluate(ort, 2, batches(dev).iterator()).accuracy();
        }
    }
}
