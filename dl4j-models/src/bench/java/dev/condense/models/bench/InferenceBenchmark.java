package dev.condense.models.bench;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.eval.Evaluator;
import dev.condense.models.eval.Inference;
import dev.condense.models.export.OnnxExport;
import dev.condense.models.export.OnnxRuntimeModel;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.shrink.ParameterCount;
import dev.condense.models.state.ModelFile;
import dev.condense.models.state.ModelState;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The inference benchmark (a command, not a test): forward passes of saved models over the SST-2 dev set in batches
 * of 32 at their real lengths (each batch padded to its own longest sentence), in file order, in three engines: the
 * training engine (ND4J), the model exported to ONNX in ONNX Runtime (float32, with standard operators only and with
 * ONNX Runtime's fused ones, see {@link Operators}), and its INT8 export (fused operators) in ONNX Runtime.
 * Prints milliseconds per batch (the median of the passes) and dev accuracy for each, and for every model after the
 * first its speed-up in the same engine beside its reduction of encoder-matrix values, both against the first model.
 * ND4J's threads are OMP_NUM_THREADS (set by the launcher); ONNX Runtime gets the same number.
 * Usage: {@code InferenceBenchmark <dev.tsv> <passes> <threads> <model.bin> [<model.bin> ...]}.
 */
public final class InferenceBenchmark {

    private static final int BATCH = 32;
    private static final List<String> ENGINES = List.of("nd4j", "onnxruntime fp32 std", "onnxruntime fp32",
            "onnxruntime int8");

    private InferenceBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path tsv = Path.of(args[0]);
        int passes = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        List<Batch> batches = devBatches(MiniLm.tokenizer(), tsv);
        System.out.printf("threads %d (OMP_NUM_THREADS=%s, cores=%d); %d batches of %d from %s%n", threads,
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(), batches.size(), BATCH,
                tsv);
        Map<String, Double> baseMs = new LinkedHashMap<>();
        long baseValues = 0;
        for (int m = 3; m < args.length; m++) {
            ModelState model = ModelFile.parse(Files.readAllBytes(Path.of(args[m]))).model();
            long values = ParameterCount.of(model).encoderMatrixValues();
            if (m == 3) {
                baseValues = values;
            }
            for (String engine : ENGINES) {
                Measured r = measure(engine, model, batches, passes, threads);
                baseMs.putIfAbsent(engine, r.ms());
                double speedUp = baseMs.get(engine) / r.ms();
                double reduction = (double) baseValues / values;
                System.out.printf("%-50s %-17s %7.1f ms/batch  dev %.2f%%  encoder matrix values %,11d  "
                        + "speed-up %.2f×  reduction %.2f×  (speed-up / reduction %.2f)%n", args[m], engine, r.ms(),
                        100 * r.accuracy(), values, speedUp, reduction, speedUp / reduction);
            }
        }
    }

    private record Measured(double ms, double accuracy) {
    }

    private static Measured measure(String engine, ModelState model, List<Batch> batches, int passes, int threads) {
        if (engine.equals("nd4j")) {
            return measure(Inference.of(TransformerEncoder.of(model, DataType.FLOAT, Set.of())), model, batches,
                    passes);
        }
        Precision precision = engine.endsWith("int8") ? Precision.INT8 : Precision.FLOAT32;
        Operators operators = engine.endsWith("std") ? Operators.STANDARD : Operators.ONNX_RUNTIME;
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < model.spec().numLabels(); i++) {
            labels.add(Integer.toString(i));
        }
        try (OnnxRuntimeModel runtime = new OnnxRuntimeModel(OnnxExport.toBytes(model, precision, operators, labels,
                "bench"), threads)) {
            return measure(runtime, model, batches, passes);
        }
    }

    /** The median over passes of the mean time per batch (after one untimed pass), and the dev accuracy. */
    private static Measured measure(Inference inference, ModelState model, List<Batch> batches, int passes) {
        double accuracy = Evaluator.evaluate(inference, model.spec().numLabels(), batches.iterator()).accuracy();
        double[] perPass = new double[passes];
        for (int p = 0; p < passes; p++) {
            long t0 = System.nanoTime();
            runAll(inference, batches);
            perPass[p] = (System.nanoTime() - t0) / 1e6 / batches.size();
        }
        Arrays.sort(perPass);
        return new Measured(perPass[passes / 2], accuracy);
    }

    private static double runAll(Inference inference, List<Batch> batches) {
        double sink = 0;
        for (Batch b : batches) {
            try (var ws = StepWorkspace.open("bench-inference")) {
                sink += inference.logits(b).getDouble(0);
            }
        }
        return sink;
    }

    private static List<Batch> devBatches(WordPieceTokenizer tok, Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<Batch> out = new ArrayList<>();
        List<Encoding> current = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cols = line.split("\t");
            current.add(tok.encode(cols[0], 128));
            labels.add(Integer.parseInt(cols[1].trim()));
            if (current.size() == BATCH) {
                out.add(Batch.of(current, labels.stream().mapToInt(Integer::intValue).toArray()));
                current = new ArrayList<>();
                labels = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            out.add(Batch.of(current, labels.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }
}
