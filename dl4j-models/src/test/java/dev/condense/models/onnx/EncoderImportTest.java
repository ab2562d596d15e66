package dev.condense.models.onnx;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TinyEncoders;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.export.OnnxExport;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.pretrained.Pretrained;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.Pooling;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Encoders read from ONNX graphs by their structure: MiniLM, bge-small, Condense's own exports; others refused. */
class EncoderImportTest {

    private static final String BGE_ONNX = "bge-small-en-v1.5.onnx";
    private static final String BGE_TOKENIZER = "bge-small-en-v1.5-tokenizer.json";

    private static InputStream resource(String name) {
        InputStream in = EncoderImportTest.class.getClassLoader().getResourceAsStream(name);
        assertTrue(in != null, name + " on the test classpath");
        return in;
    }

    @Test
    void miniLmIsReadWithItsPublishedShape() throws Exception {
        try (InputStream in = resource("all-minilm-l6-v2.onnx")) {
            assertEquals(EncoderSpec.miniLmL6(2), EncoderImport.read(in, Pooling.MEAN, 2).spec());
        }
    }

    /** bge-small-en-v1.5: 12 layers of 12 heads of 32, FFN 1536, and the same last hidden state as onnxruntime. */
    @Test
    void bgeSmallMatchesOnnxRuntimeOnRealSentences() throws Exception {
        ModelState model;
        try (InputStream in = resource(BGE_ONNX)) {
            model = Pretrained.classifier(in, Pooling.CLS, 2, 1);
        }
        EncoderSpec spec = model.spec();
        assertEquals(12, spec.layers());
        assertEquals(384, spec.hidden());
        assertEquals(12, spec.heads());
        assertEquals(32, spec.headSize());
        assertEquals(1536, spec.ffn());
        assertEquals(1e-12, spec.layerNormEps());
        WordPieceTokenizer tok;
        try (InputStream in = resource(BGE_TOKENIZER)) {
            tok = Pretrained.tokenizer(in, spec);
        }
        List<Encoding> sentences = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("../data-samples/sst2/dev.tsv")).subList(1, 9)) {
            sentences.add(tok.encode(line.split("\t")[0], 128));
        }
        Batch batch = Batch.of(sentences, null);
        INDArray ours = TransformerEncoder.of(model, DataType.FLOAT, Set.of()).forward(batch).hiddenStates()
                .get(spec.layers());
        float[][][] reference = runOriginal(batch);
        double max = 0;
        for (int b = 0; b < batch.size(); b++) {
            for (int t = 0; t < sentences.get(b).length(); t++) {
                for (int h = 0; h < spec.hidden(); h++) {
                    max = Math.max(max, Math.abs(reference[b][t][h]
                            - ours.getDouble((long) b * batch.length() + t, h)));
                }
            }
        }
        assertEquals(0, max, 1e-4, "max |engine - onnxruntime| over real tokens");
    }

    private static float[][][] runOriginal(Batch batch) throws Exception {
        try (InputStream in = resource(BGE_ONNX)) {
            return OriginalGraph.lastHiddenState(in.readAllBytes(), batch);
        }
    }

    /** A model Condense exported reads back as the same spec and weights (its head is dropped). */
    @Test
    void condensesOwnExportReadsBackExactly() throws Exception {
        ModelState model = TinyEncoders.randomState(TinyEncoders.spec().withPooling(Pooling.CLS), 3);
        byte[] onnx = OnnxExport.toBytes(model, Precision.FLOAT32, Operators.STANDARD, List.of("a", "b", "c"),
                "test");
        EncoderImport.Encoder back = EncoderImport.read(new ByteArrayInputStream(onnx), Pooling.CLS, 3);
        assertEquals(model.spec(), back.spec());
        for (String name : back.weights().names()) {
            assertEquals(model.weights().get(name), back.weights().get(name), name);
        }
    }

    @Test
    void graphsThatAreNotBertEncodersAreRefusedNamingWhatIsMissing() {
        ModelState speech = TinyEncoders.randomState(TinyEncoders.speechSpec(false), 4);
        byte[] speechGraph = OnnxExport.toBytes(speech, Precision.FLOAT32, Operators.STANDARD,
                List.of("a", "b", "c"), "test");
        IOException e = assertThrows(IOException.class,
                () -> EncoderImport.read(new ByteArrayInputStream(speechGraph), Pooling.MEAN, 2));
        assertTrue(e.getMessage().contains("not a BERT-style encoder graph: found no a graph input named "
                + "'input_ids'"), e.getMessage());

        byte[] int8 = OnnxExport.toBytes(TinyEncoders.randomState(TinyEncoders.spec(), 5), Precision.INT8,
                Operators.STANDARD, List.of("a", "b", "c"), "test");
        IOException quantized = assertThrows(IOException.class,
                () -> EncoderImport.read(new ByteArrayInputStream(int8), Pooling.MEAN, 2));
        assertTrue(quantized.getMessage().contains("six weight MatMuls per layer (found 0)"), quantized.getMessage());

        IOException garbage = assertThrows(IOException.class,
                () -> EncoderImport.read(new ByteArrayInputStream("not a model".getBytes()), Pooling.MEAN, 2));
        assertTrue(garbage.getMessage().startsWith("not an ONNX model") || garbage.getMessage().contains(
                "not a BERT-style encoder graph"), garbage.getMessage());
    }

    @Test
    void tokenizersOtherThanUncasedWordPieceAreRefusedByType() {
        String bpe = "{\"model\":{\"type\":\"BPE\",\"vocab\":{}},\"normalizer\":null}";
        IOException e = assertThrows(IOException.class, () -> WordPieceTokenizer.fromTokenizerJson(
                new ByteArrayInputStream(bpe.getBytes())));
        assertTrue(e.getMessage().contains("model type is 'BPE'"), e.getMessage());
        String cased = "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":0,\"[CLS]\":1,\"[SEP]\":2}},"
                + "\"normalizer\":{\"type\":\"BertNormalizer\",\"lowercase\":false}}";
        IOException c = assertThrows(IOException.class, () -> WordPieceTokenizer.fromTokenizerJson(
                new ByteArrayInputStream(cased.getBytes())));
        assertTrue(c.getMessage().contains("lowercase=false"), c.getMessage());
    }
}
