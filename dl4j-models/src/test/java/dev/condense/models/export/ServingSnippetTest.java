package dev.condense.models.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.state.ModelState;
import dev.condense.models.text.Encoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's serving snippet, run as written against an exported model, and kept word for word in the README. */
class ServingSnippetTest {

    @TempDir
    Path dir;

    @Test
    void theReadmeSnippetServesAnExportedModel() throws Exception {
        ModelState model = MiniLm.classifier(2, 5);
        Path exported = dir.resolve("model.onnx");
        Files.write(exported, OnnxExport.toBytes(model, Precision.FLOAT32, Operators.ONNX_RUNTIME,
                List.of("negative", "positive"), "test"));
        String path = exported.toString();

        float[][] logits;
        String labels;
        // snippet-start
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(path, new OrtSession.SessionOptions())) {
            long[][] ids = {{101, 1996, 3185, 2001, 2307, 102}};   // "the movie was great", from tokenizer.json
            long[][] mask = {{1, 1, 1, 1, 1, 1}};
            long[][] segments = {{0, 0, 0, 0, 0, 0}};
            try (OrtSession.Result r = session.run(Map.of("input_ids", OnnxTensor.createTensor(env, ids),
                    "attention_mask", OnnxTensor.createTensor(env, mask),
                    "token_type_ids", OnnxTensor.createTensor(env, segments)))) {
                logits = (float[][]) r.get("logits").orElseThrow().getValue();
                labels = session.getMetadata().getCustomMetadata().get("condense.labels");
            }
        }
        // snippet-end

        Encoding encoding = MiniLm.tokenizer().encode("the movie was great", 128);
        assertArrayEquals(new int[] {101, 1996, 3185, 2001, 2307, 102}, encoding.ids());
        INDArray ours = TransformerEncoder.of(model, DataType.FLOAT, Set.of())
                .forward(Batch.of(List.of(encoding), null)).logits();
        assertEquals(ours.getDouble(0, 0), logits[0][0], 1e-4);
        assertEquals(ours.getDouble(0, 1), logits[0][1], 1e-4);
        assertEquals("[\"negative\",\"positive\"]", labels);

        String readme = Files.readString(Path.of("../README.md"));
        for (String line : snippet()) {
            assertTrue(readme.contains(line.strip()), "README.md lacks the snippet line: " + line.strip());
        }
    }

    private static List<String> snippet() throws Exception {
        List<String> source = Files.readAllLines(Path.of(
                "src/test/java/dev/condense/models/export/ServingSnippetTest.java"));
        int start = source.indexOf("        // snippet-start");
        int end = source.indexOf("        // snippet-end");
        return source.subList(start + 1, end);
    }
}
