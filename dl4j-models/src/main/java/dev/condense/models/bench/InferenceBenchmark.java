package dev.condense.models.bench;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.shrink.ParameterCount;
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
import java.util.List;
import java.util.Set;

/**
 * The inference benchmark (a command, not a test): forward passes of saved models over the SST-2 dev set in batches
 * of 32 at their real lengths (each batch padded to its own longest sentence), in file order. Prints milliseconds
 * per batch (the median of the passes), and for every model after the first its speed-up beside its reduction of
 * encoder-matrix values, both against the first model.
 * Usage: {@code InferenceBenchmark <dev.tsv> <passes> <model.bin> [<model.bin> ...]}.
 */
public final class InferenceBenchmark {

    private static final int BATCH = 32;

    private InferenceBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path tsv = Path.of(args[0]);
        int passes = Integer.parseInt(args[1]);
        List<Batch> batches = devBatches(MiniLm.tokenizer(), tsv);
        System.out.printf("threads: OMP_NUM_THREADS=%s, cores=%d; %d batches of %d from %s%n",
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(), batches.size(), BATCH,
                tsv);
        double baseMs = 0;
        long baseValues = 0;
        for (int m = 2; m < args.length; m++) {
            ModelState model = ModelState.fromBytes(Files.readAllBytes(Path.of(args[m])));
            long values = ParameterCount.of(model).encoderMatrixValues();
            double ms = msPerBatch(TransformerEncoder.of(model, DataType.FLOAT, Set.of()), batches, passes);
            if (m == 2) {
                baseMs = ms;
                baseValues = values;
            }
            System.out.printf("%-60s %7.1f ms/batch  encoder matrix values %,11d  speed-up %.2f×  reduction %.2f×"
                    + "  (speed-up / reduction %.2f)%n", args[m], ms, values, baseMs / ms, (double) baseValues / values,
                    (baseMs / ms) / ((double) baseValues / values));
        }
    }

    /** The median over passes of the mean time per batch; one untimed pass first warms up allocation and BLAS. */
    private static double msPerBatch(TransformerEncoder enc, List<Batch> batches, int passes) {
        runAll(enc, batches);
        double[] perPass = new double[passes];
        for (int p = 0; p < passes; p++) {
            long t0 = System.nanoTime();
            runAll(enc, batches);
            perPass[p] = (System.nanoTime() - t0) / 1e6 / batches.size();
        }
        Arrays.sort(perPass);
        return perPass[passes / 2];
    }

    private static double runAll(TransformerEncoder enc, List<Batch> batches) {
        double sink = 0;
        for (Batch b : batches) {
            try (var ws = StepWorkspace.open("bench-inference")) {
                sink += enc.forward(b).logits().getDouble(0);
            }
        }
        return sink;
    }

    private static List<Batch> devBatches(WordPieceTokenizer tok, Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        List<Batch> out = new ArrayList<>();
        List<Encoding> current = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            current.add(tok.encode(line.split("\t")[0], 128));
            if (current.size() == BATCH) {
                out.add(Batch.of(current, null));
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            out.add(Batch.of(current, null));
        }
        return out;
    }
}
