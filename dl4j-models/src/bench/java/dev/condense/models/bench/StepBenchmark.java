package dev.condense.models.bench;

import dev.condense.models.encoder.Batch;
import dev.condense.models.encoder.TransformerEncoder;
import dev.condense.models.nn.StepWorkspace;
import dev.condense.models.pretrained.MiniLm;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.prune.MovementStep;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.PrunedTraining;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsitySchedule;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ModelState;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.text.Encoding;
import dev.condense.models.text.WordPieceTokenizer;
import dev.condense.models.train.LearningRateSchedule;
import dev.condense.models.train.LocalTrainer;
import dev.condense.models.train.Objective;
import dev.condense.models.train.OptimizerSettings;
import dev.condense.models.train.ParameterGroup;
import dev.condense.models.train.StepHook;
import dev.condense.models.train.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The speed benchmark (a command, not a test): one MiniLM training step at batch 32 × length 64 and at SST-2's
 * real lengths, one forward pass, and a 1024³ GEMM into a preallocated output as the machine's reference rate.
 * Usage: {@code StepBenchmark <sst2 train.tsv> [repeats]}. Thread counts come from OMP_NUM_THREADS.
 */
public final class StepBenchmark {

    private StepBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        Path tsv = Path.of(args.length > 0 ? args[0] : "data-samples/sst2/train.tsv");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf("threads: OMP_NUM_THREADS=%s, cores=%d; native build: %s%n",
                System.getenv("OMP_NUM_THREADS"), Runtime.getRuntime().availableProcessors(), nativeBuild());
        double gemmRate = gemmGflops(repeats);
        System.out.printf("GEMM 1024^3 (float, preallocated output): %.1f GFLOP/s%n", gemmRate);

        ModelState state = MiniLm.classifier(2, 1);
        WordPieceTokenizer tok = MiniLm.tokenizer();
        Batch fixed = fixedBatch(32, 64);
        Batch real = realBatch(tok, tsv, 32);
        System.out.printf("SST-2 batch: 32 sentences, padded length %d, %d real tokens%n", real.length(),
                real.tokens());
        System.out.println("SST-2 batch lengths: " + lengths(real));

        for (Batch b : List.of(fixed, real)) {
            String label = b == fixed ? "32x64" : "32xSST-2";
            TransformerEncoder enc = TransformerEncoder.of(state, DataType.FLOAT, Set.of());
            double fwdMs = timeMs(repeats, () -> {
                try (var ws = StepWorkspace.open("bench-forward")) {
                    return enc.forward(b).logits().getDouble(0);
                }
            });
            report(label + " forward", fwdMs, b, forwardFlops(state.spec(), b), gemmRate);
            for (Set<String> frozen : List.of(Set.<String>of(), Set.of(ParameterNames.WORD_EMBEDDINGS))) {
                double stepMs = trainStepMs(state, b, frozen, repeats);
                report(label + " train step" + (frozen.isEmpty() ? "" : " (word embeddings frozen)"), stepMs, b,
                        3 * forwardFlops(state.spec(), b), gemmRate);
            }
        }
        maskCosts(state, real, repeats);
    }

    /**
     * What masks cost per step on the 36 encoder matrices at 80% (each its own top 20%), word embeddings frozen:
     * fixed masks (magnitude: engine weight = dense ⊙ mask) against movement's, chosen again from 10.6 M learned
     * scores before every forward pass; the hooks' before-forward work alone, and whole training steps.
     */
    private static void maskCosts(ModelState state, Batch b, int repeats) {
        Set<String> frozen = Set.of(ParameterNames.WORD_EMBEDDINGS);
        PruneGroup matrices = new PruneGroup(Set.of(MatrixKind.QUERY, MatrixKind.KEY, MatrixKind.VALUE,
                MatrixKind.ATTENTION_OUTPUT, MatrixKind.FFN_IN, MatrixKind.FFN_OUT), Set.of(), Granularity.ELEMENT,
                0.8, false, Set.of());
        LearningRateSchedule schedule = new LearningRateSchedule(1e-5, 0, 1000);
        OptimizerSettings settings = new OptimizerSettings(schedule, 0.9, 0.999, 1e-8, 0.01, 1.0, frozen,
                List.of(ParameterGroup.peakingAt("scores", MovementStep.SCORE_PREFIX, 1e-2, schedule)));
        for (ScoreMethod method : List.of(ScoreMethod.MAGNITUDE, ScoreMethod.MOVEMENT)) {
            Pruner pruner = new Pruner(new Pruner.Spec(List.of(matrices), method,
                    new SparsitySchedule(SparsitySchedule.Kind.ONE_SHOT, 0, 0, 1, 1), 0, 0, 0.1, 0), state.spec());
            TrainingState start = PrunedTraining.start(pruner, TrainingState.start(state, frozen));
            Map<String, INDArray> extras = new LinkedHashMap<>();
            start.extra().asMap().forEach((name, t) -> extras.put(name, Nd4j.randn(DataType.FLOAT, t.shape())));
            TransformerEncoder enc = TransformerEncoder.of(start.model(), DataType.FLOAT, frozen);
            StepHook.Session session = pruner.step().start(start, enc);
            double maskMs = timeMs(repeats, () -> {
                session.beforeForward(new StepHook.Step(enc, extras, 1, b.size()));
                return null;
            });
            StepClock clock = new StepClock();
            double stepMs = trainStepMs(new LocalTrainer(settings, Objective.crossEntropy(),
                    List.of(pruner.step(), clock)), clock, start, b, repeats);
            System.out.printf("%-48s %8.1f ms  (masks before the forward pass: %.1f ms)%n",
                    "32xSST-2 train step, " + method.settingName() + " masks at 80%", stepMs, maskMs);
        }
    }

    private static void report(String what, double ms, Batch b, double flops, double gemmRate) {
        double gflops = flops / ms / 1e6;
        System.out.printf("%-48s %8.1f ms  %8.0f tokens/s  %6.1f GFLOP/s  %5.1f%% of GEMM%n", what, ms,
                b.size() * b.length() / (ms / 1000), gflops, 100 * gflops / gemmRate);
    }

    private static double trainStepMs(ModelState state, Batch b, Set<String> frozen, int repeats) {
        OptimizerSettings settings = new OptimizerSettings(new LearningRateSchedule(1e-5, 0, 1000), 0.9, 0.999,
                1e-8, 0.01, 1.0, frozen);
        StepClock clock = new StepClock();
        return trainStepMs(new LocalTrainer(settings, Objective.crossEntropy(), List.of(clock)), clock,
                TrainingState.start(state, frozen), b, repeats);
    }

    /** The median of {@code repeats} steps, after two steps of warm-up (JIT, the step arena's first sizing). */
    private static double trainStepMs(LocalTrainer trainer, StepClock clock, TrainingState start, Batch b,
                                      int repeats) {
        trainer.train(start, Collections.nCopies(2, b).iterator(), 2);
        clock.reset();
        trainer.train(start, Collections.nCopies(repeats + 1, b).iterator(), repeats + 1);
        return clock.medianStepMs();
    }

    /**
     * Marks the start of every training step, so that a step's time is the gap to the next mark: the median of
     * those gaps is robust to the occasional slow step of a shared machine, where a mean over few steps is not, and
     * leaves out the per-call cost of building the engine and copying state in and out.
     */
    private static final class StepClock implements StepHook {
        private static final long serialVersionUID = 1L;
        private final transient List<Long> marks = new ArrayList<>();

        @Override
        public Session start(TrainingState state, TransformerEncoder encoder) {
            return new Session() {
                @Override
                public void beforeForward(Step step) {
                    marks.add(System.nanoTime());
                }
            };
        }

        void reset() {
            marks.clear();
        }

        double medianStepMs() {
            double[] gaps = new double[marks.size() - 1];
            for (int i = 0; i < gaps.length; i++) {
                gaps[i] = (marks.get(i + 1) - marks.get(i)) / 1e6;
            }
            return median(gaps);
        }
    }

    /** The real (unpadded) length of each sequence, comma-separated, for the PyTorch side of deploy/benchmark. */
    private static String lengths(Batch b) {
        return Arrays.stream(b.lengths()).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    /** Which optional libraries the loaded nd4j-native was built with (oneDNN, OpenBLAS). */
    private static String nativeBuild() {
        Nd4j.create(DataType.FLOAT, 1);
        String info = NativeOpsHolder.getInstance().getDeviceNativeOps().buildInfo();
        List<String> have = new ArrayList<>();
        for (String line : info.split("\n")) {
            if (line.startsWith("HAVE_") && !line.equals("HAVE_FLATBUFFERS")) {
                have.add(line.substring(5));
            }
        }
        return String.join(" + ", have);
    }

    /** Matmul FLOPs of one forward pass over all padded positions. */
    static double forwardFlops(EncoderSpec s, Batch b) {
        double n = (double) b.size() * b.length();
        double perLayer = 2 * n * (4.0 * s.hidden() * s.hidden() + 2.0 * s.hidden() * s.ffn())
                + 4.0 * b.size() * b.length() * b.length() * s.hidden();
        return s.layers() * perLayer;
    }

    private static double gemmGflops(int repeats) {
        INDArray a = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray bm = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray c = Nd4j.create(DataType.FLOAT, 1024, 1024);
        double ms = timeMs(repeats, () -> Nd4j.gemm(a, bm, c, false, false, 1.0, 0.0));
        return 2.0 * 1024 * 1024 * 1024 / ms / 1e6;
    }

    /** The median of {@code repeats} timed runs after one warm-up run. */
    private static double timeMs(int repeats, Supplier<?> work) {
        work.get();
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            work.get();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        return median(ms);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static Batch fixedBatch(int size, int length) {
        Random r = new Random(1);
        List<Encoding> list = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            int[] ids = new int[length];
            for (int t = 0; t < length; t++) {
                ids[t] = 1000 + r.nextInt(20000);
            }
            list.add(new Encoding(ids, new int[length]));
        }
        return Batch.of(list, new int[size]);
    }

    /** 32 random SST-2 training sentences, padded to their own longest. */
    private static Batch realBatch(WordPieceTokenizer tok, Path tsv, int size) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        Random r = new Random(2);
        List<Encoding> list = new ArrayList<>();
        int[] labels = new int[size];
        for (int i = 0; i < size; i++) {
            String[] cols = lines.get(1 + r.nextInt(lines.size() - 1)).split("\t");
            list.add(tok.encode(cols[0], 128));
            labels[i] = Integer.parseInt(cols[1].trim());
        }
        return Batch.of(list, labels);
    }

}
