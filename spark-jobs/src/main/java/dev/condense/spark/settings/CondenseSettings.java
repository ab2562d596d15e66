package dev.condense.spark.settings;

import dev.condense.models.distill.DistillSettings;
import dev.condense.models.encoder.Dropout;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.factor.Factoriser;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;
import dev.condense.models.state.Pooling;
import dev.condense.models.train.LearningRateSchedule;
import dev.condense.models.train.OptimizerSettings;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The validated settings tree, built once on the driver from {@code reference.conf} plus overrides (see
 * {@link SettingsLoader}). Plain immutable records: safe to pass to any stage and to ship to executors.
 *
 * @param values every resolved setting rendered as HOCON, keyed by its path below {@code condense} (e.g.
 *               {@code finetune.seed}): the run's provenance, from which a stage's checkpoint identity is taken
 */
public record CondenseSettings(Run run, Pipeline pipeline, SparkSettings spark, Data data, Model model, Training finetune,
                               Prune prune, DistillSettings distill, Shrink shrink, Factorise factorise,
                               Evaluate evaluate, Export export,
                               SortedMap<String, String> values) implements Serializable {

    /**
     * Training settings a resumed run may change: the optimizer's step sizes (the divergence message tells the user
     * to lower the learning rate and resume) and the number of rounds (to train a finished stage for longer).
     */
    public static final Set<String> ADJUSTABLE_ON_RESUME = Set.of("rounds", "learning-rate", "warmup-fraction",
            "weight-decay", "max-grad-norm", "adam-beta1", "adam-beta2", "adam-epsilon");

    /**
     * The settings under the given paths (a path selects itself and everything below it), leaving out
     * {@link #ADJUSTABLE_ON_RESUME} and the dev set (which only evaluation reads): what a stage's checkpoints are
     * valid for.
     */
    public SortedMap<String, String> identity(List<String> paths) {
        SortedMap<String, String> out = new TreeMap<>();
        values.forEach((key, value) -> {
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            boolean selected = paths.stream().anyMatch(p -> key.equals(p) || key.startsWith(p + "."));
            if (selected && !ADJUSTABLE_ON_RESUME.contains(leaf) && !key.equals("data.dev")) {
                out.put(key, value);
            }
        });
        return out;
    }

    /**
     * A digest of the settings that shape a model (the first 16 hex digits of the SHA-256 of their
     * {@code key = value} lines), written into each saved model so a model found later can be matched to the
     * settings that made it. Where it ran and what is done with it afterwards ({@code run}, {@code spark} but its
     * partitions, {@code evaluate}, {@code export}) are left out: the same training on another cluster or under
     * another run id makes the same bytes.
     */
    public String fingerprint() {
        StringBuilder lines = new StringBuilder();
        values.forEach((key, value) -> {
            boolean placement = key.startsWith("run.") || key.startsWith("evaluate.") || key.startsWith("export.")
                    || key.startsWith("spark.") && !key.equals("spark.partitions");
            if (!placement) {
                lines.append(key).append(" = ").append(value).append('\n');
            }
        });
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Where a run writes: {@code <output>/<id>}. */
    public record Run(String id, String output) implements Serializable {
        public String directory() {
            return output.endsWith("/") ? output + id : output + "/" + id;
        }
    }

    /** The stages {@code compress} runs, in order. */
    public record Pipeline(List<String> stages) implements Serializable {
        public static final List<String> ORDER = List.of("finetune", "prune", "shrink", "factorise", "export");

        public boolean runs(String stage) {
            return stages.contains(stage);
        }
    }

    public record SparkSettings(String master, String appName, int partitions, int threadsPerTask)
            implements Serializable {
    }

    public enum BadRows { FAIL, SKIP }

    /** How {@code condense.data.train} and {@code dev} are laid out. */
    public enum DataFormat {
        /** GLUE-style TSV files with a header row. */
        TSV,
        /** A folder of Free Spoken Digit clips, {@code {digit}_{speaker}_{index}.wav}: the label is the digit. */
        FSDD,
        /** A folder of {@code <label>/*.wav} folders, as in Speech Commands: the label is the folder's name. */
        KEYWORDS,
        /**
         * A folder of transcribed utterances, for CTC: every LibriSpeech transcript file under it
         * ({@code speaker/chapter/speaker-chapter.trans.txt} beside the chapter's {@code *.flac}) and every LJSpeech
         * {@code metadata.csv} (beside {@code wavs/}), so corpora in both layouts can be trained on together.
         */
        TRANSCRIBED;

        public boolean isSpeech() {
            return this != TSV;
        }

        /** Whether examples are transcribed utterances (a CTC task over characters) rather than labelled ones. */
        public boolean isTranscribed() {
            return this == TRANSCRIBED;
        }

        /** The value of {@code condense.data.format} that names this format. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A task's data: GLUE-style TSV files, or folders of clips ({@link DataFormat}). {@code textPairColumn} is empty
     * for single-sentence tasks; clips are resampled to {@code sampleRate} before their features are computed. For
     * transcribed speech, {@code labels} are the CTC head's characters.
     */
    public record Data(String train, String dev, DataFormat format, String textColumn, String textPairColumn,
                       String labelColumn, List<String> labels, BadRows badRows, int maxLength, int trainLimit,
                       int sampleRate) implements Serializable {
        public boolean isPairTask() {
            return !textPairColumn.isEmpty();
        }

        /**
         * Stops a stage that only knows classification before it starts cluster work on transcribed speech.
         *
         * @throws SettingsException when the data are transcribed utterances
         */
        public void requireClassification(String stage) {
            if (format.isTranscribed()) {
                throw new SettingsException("condense.data.format = " + format.key() + " trains a CTC model over "
                        + "characters; the " + stage + " stage works on classification tasks only (finetune trains "
                        + "and evaluates CTC models, reporting word and character error rates)");
            }
        }
    }

    /**
     * @param pretrained "minilm", "speech" (a speech encoder from scratch, shaped by {@code speech}), the path of a
     *                   BERT-family encoder exported to ONNX ({@code .onnx}), or the path of a saved model
     * @param tokenizer  the {@code tokenizer.json} of the text: empty for the pretrained encoder's own (MiniLM's,
     *                   or the one beside an ONNX file)
     * @param pooling    what an ONNX encoder's classifier reads: the mean of the last layer or its [CLS] position
     */
    public record Model(String pretrained, String tokenizer, Pooling pooling, SpeechModel speech)
            implements Serializable {
        public static final String SPEECH_FROM_SCRATCH = "speech";

        /** Whether {@code pretrained} names an ONNX graph to import. */
        public boolean isOnnx() {
            return pretrained.endsWith(".onnx");
        }
    }

    /** The shape of a speech encoder trained from scratch ({@code condense.model.speech}). */
    public record SpeechModel(int hidden, int layers, int heads, int ffn, int channels, int maxPositions)
            implements Serializable {
    }

    /** A training stage's loop, optimizer and dropout ({@code finetune}, {@code prune.training}). */
    public record Training(int rounds, int localSteps, int batchSize, double learningRate, double warmupFraction,
                           double weightDecay, double maxGradNorm, double adamBeta1, double adamBeta2,
                           double adamEpsilon, Set<String> frozen, Dropout dropout, long seed)
            implements Serializable {

        public long totalSteps() {
            return (long) rounds * localSteps;
        }

        /** AdamW for the model's weights; a stage adds the parameter groups of its scores, gates or multipliers. */
        public OptimizerSettings optimizer() {
            long warmup = Math.round(warmupFraction * totalSteps());
            return new OptimizerSettings(new LearningRateSchedule(learningRate, warmup, totalSteps()), adamBeta1,
                    adamBeta2, adamEpsilon, weightDecay, maxGradNorm, frozen, List.of(), dropout);
        }
    }

    /**
     * The prune stage: what to prune and how ({@code pruner}), its own training loop, and the peak learning rate of
     * movement's learned scores. {@code teacher} empty means the run's own teacher. With {@code lowRank} on, the
     * student is LoSparse's U·V + S before pruning starts, and the groups prune the residuals S.
     */
    public record Prune(String teacher, StudentStart studentStart, FixedRatio lowRank, Pruner.Spec pruner,
                        Training training, double scoreLearningRate) implements Serializable {
    }

    /**
     * The student's initial weights: the teacher's, or the pretrained model's with a new head. {@code AUTO} is the
     * pretrained start for movement (whose scores need weights that are still moving: from a converged teacher, hard
     * movement collapses) and the teacher for the other methods.
     */
    public enum StudentStart {
        TEACHER, PRETRAINED, AUTO;

        /** What {@code AUTO} means for {@code method}; the others mean themselves. */
        public StudentStart resolve(ScoreMethod method) {
            if (this != AUTO) {
                return this;
            }
            return method.learned() ? PRETRAINED : TEACHER;
        }
    }

    /** @param engine what runs every dev-set evaluation of every stage */
    public record Evaluate(String model, int batchSize, InferenceEngine engine) implements Serializable {
    }

    /**
     * What runs a model's forward passes when it only predicts: the exported graph in ONNX Runtime (about 2.5× the
     * training engine's speed on one core), or the training engine itself.
     */
    public enum InferenceEngine { ONNXRUNTIME, ND4J }

    /**
     * The {@code export} command: ONNX graphs of a saved model.
     *
     * @param model      the model to export; empty: the run's last model (compressed, factorised, student, teacher)
     * @param precisions one graph per entry, float32 and/or int8 (dynamically quantized)
     * @param operators  standard ONNX only, or with ONNX Runtime's fused operators as well
     * @param output     the directory the graphs go to; empty: {@code <run>/export}
     */
    public record Export(String model, List<Precision> precisions, Operators operators, String output)
            implements Serializable {
    }

    /**
     * The {@code factorise} stage: learned ranks for the selected encoder matrices under an L0 budget.
     *
     * @param model           the model to factorise; empty: the run's {@code <run>/compressed}
     * @param teacher         the distillation teacher; empty: the run's {@code <run>/teacher}
     * @param target          the share of the teacher's encoder-matrix values the whole result may keep
     * @param initialLogAlpha every gate's starting log α
     * @param gateLearningRateScale how much faster than the weights the gates learn
     * @param multiplierLearningRate the budget's multipliers' constant learning rate
     * @param targetWarmupFraction  the share of the training steps over which the target falls from the initial
     *                              expected share to {@code target}
     * @param basis                 the directions the gates choose among
     * @param basisExamples         how many training examples estimate the inputs' moments for the output basis
     * @param warmStartSlope        how strongly a direction's energy sets its gate's initial log α (0: not at all)
     */
    public record Factorise(String model, String teacher, Set<MatrixKind> kinds,
                            double target, double initialLogAlpha, double gateLearningRateScale,
                            double multiplierLearningRate, double targetWarmupFraction, Basis basis,
                            int basisExamples, double warmStartSlope, Training training)
            implements Serializable {
    }

    /**
     * The directions learned ranks keep or drop: the singular vectors of each matrix ({@code WEIGHTS}), or the
     * directions of its outputs on the training data, largest output energy first ({@code OUTPUTS}, see
     * {@link dev.condense.models.factor.Factoriser#inOutputBasis}).
     */
    public enum Basis {
        WEIGHTS, OUTPUTS;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The {@code shrink} stage: the model to shrink (empty: the run's pruned student) and the optional fixed-ratio
     * factorisation of its encoder matrices.
     */
    public record Shrink(String model, FixedRatio factorise) implements Serializable {
    }

    /**
     * A fixed-ratio truncated SVD of the selected encoder matrices: each keeps the largest rank whose two factors
     * hold at most {@code fraction} of its values. 0 selects nothing.
     */
    public record FixedRatio(double fraction, Set<MatrixKind> kinds) implements Serializable {

        public static final FixedRatio OFF = new FixedRatio(0, Set.of());

        public FixedRatio {
            kinds = Set.copyOf(kinds);
        }

        /**
         * Each selected encoder matrix's rank, keyed by its dense name; empty when {@code fraction} is 0. Matrices
         * the model already stores as factors are left as they are.
         */
        public Map<String, Integer> ranks(EncoderSpec spec) {
            Map<String, Integer> ranks = new TreeMap<>();
            if (fraction == 0) {
                return ranks;
            }
            for (ParameterNames.Shaped m : ParameterNames.encoderMatrices(spec)) {
                if (kinds.contains(MatrixKind.ofWeight(m.name()).orElseThrow()) && spec.rank(m.name()) == 0) {
                    ranks.put(m.name(), Factoriser.rankForParameterFraction(m.shape()[0], m.shape()[1], fraction));
                }
            }
            return ranks;
        }
    }
}
