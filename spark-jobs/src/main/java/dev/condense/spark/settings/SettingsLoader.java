package dev.condense.spark.settings;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.condense.models.encoder.Dropout;
import dev.condense.models.eval.EditDistance;
import dev.condense.models.export.Operators;
import dev.condense.models.export.Precision;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.speech.Characters;
import dev.condense.models.state.Pooling;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds {@link CondenseSettings}: {@code key=value} overrides, then the user's file, then {@code reference.conf}.
 * Everything is read and checked here, before any cluster work, so a wrong key or value fails in the first second.
 */
public final class SettingsLoader {

    static final String ROOT = "condense";
    /** The settings that are {@code finetune}'s with a few changed ({@code training = ${condense.finetune} {...}}). */
    private static final List<String> INHERITED_FROM_FINETUNE = List.of("prune.training.", "factorise.training.");

    private SettingsLoader() {
    }

    /** Defaults only. */
    public static CondenseSettings defaults() {
        return load("", "defaults", List.of());
    }

    /**
     * @param fileText  the HOCON of the user's file (may be empty)
     * @param origin    where it came from, for error messages
     * @param overrides {@code key=value} strings; keys are relative to {@code condense} or start with it
     */
    public static CondenseSettings load(String fileText, String origin, List<String> overrides) {
        // unresolved, so that a substitution in reference.conf (prune.training = ${condense.finetune} {...}) sees the
        // user's values, not only the defaults: everything is resolved once, after the merge
        Config reference = ConfigFactory.defaultReferenceUnresolved(SettingsLoader.class.getClassLoader());
        Config file;
        try {
            file = ConfigFactory.parseString(fileText, ConfigParseOptions.defaults().setOriginDescription(origin)
                    .setIncluder(new ConfigIncludes(origin)));
        } catch (ConfigException.Parse e) {
            throw new SettingsException("cannot parse " + origin + ": " + e.getMessage(), e);
        }
        Config merged;
        try {
            merged = parseOverrides(overrides).withFallback(file).withFallback(reference).resolve();
        } catch (ConfigException.UnresolvedSubstitution e) {
            throw new SettingsException("cannot resolve " + origin + ": " + e.getMessage(), e);
        }
        rejectUnknownKeys(merged, reference.resolve());
        return build(merged);
    }

    private static Config parseOverrides(List<String> overrides) {
        Config out = ConfigFactory.empty();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new SettingsException("override '" + o + "' is not of the form key=value");
            }
            String key = o.substring(0, eq).trim();
            String path = key.startsWith(ROOT + ".") ? key : ROOT + "." + key;
            try {
                out = ConfigFactory.parseString(path + " = " + overrideValue(o.substring(eq + 1).trim()),
                        ConfigParseOptions.defaults().setOriginDescription("override " + o)).withFallback(out);
            } catch (ConfigException e) {
                throw new SettingsException("cannot parse override '" + o + "': " + e.getMessage(), e);
            }
        }
        return out;
    }

    /**
     * An override's value as HOCON. Paths and URIs are taken literally: unquoted, {@code hdfs://host:8020/x} would
     * not parse and {@code a//b} would silently lose {@code //b} as a comment.
     */
    static String overrideValue(String raw) {
        boolean literal = !raw.startsWith("\"") && !raw.startsWith("[") && !raw.startsWith("{")
                && (raw.contains("//") || raw.contains("#") || raw.contains(":"));
        return literal ? ConfigValueFactory.fromAnyRef(raw).render(ConfigRenderOptions.concise()) : raw;
    }

    private static void rejectUnknownKeys(Config merged, Config reference) {
        Set<String> known = new HashSet<>();
        for (Map.Entry<String, ConfigValue> e : reference.getConfig(ROOT).entrySet()) {
            known.add(e.getKey());
        }
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ConfigValue> e : merged.getConfig(ROOT).entrySet()) {
            if (!known.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        // a typo under finetune also reaches the stages that inherit it: name it where it was written
        unknown.removeIf(key -> INHERITED_FROM_FINETUNE.stream().anyMatch(prefix -> key.startsWith(prefix)
                && unknown.contains("finetune." + key.substring(prefix.length()))));
        if (!unknown.isEmpty()) {
            String first = unknown.iterator().next();
            String origin = merged.getValue(ROOT + "." + first).origin().description();
            throw new SettingsException("unknown setting " + ROOT + "." + first + " (from " + origin + ")"
                    + suggestion(first, known) + (unknown.size() > 1 ? "; also unknown: " + unknown : ""));
        }
    }

    private static String suggestion(String key, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = EditDistance.between(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= 3 ? "; did you mean " + ROOT + "." + best + "?" : "";
    }

    private static CondenseSettings build(Config merged) {
        SettingsReader c = new SettingsReader(merged.getConfig(ROOT), ROOT + ".");
        return new CondenseSettings(run(c.at("run")), pipeline(c.at("pipeline")), spark(c.at("spark")), data(c.at("data")),
                model(c.at("model")), training(c.at("finetune")),
                PruneSettingsReader.prune(c.at("prune"), training(c.at("prune").at("training"))),
                PruneSettingsReader.distill(c.at("distill")), shrink(c.at("shrink")), factorise(c.at("factorise")),
                new CondenseSettings.Evaluate(c.at("evaluate").string("model"),
                        c.at("evaluate").intAtLeast("batch-size", 1), CondenseSettings.InferenceEngine.valueOf(
                        c.at("evaluate").oneOf("engine", Set.of("onnxruntime", "nd4j")).toUpperCase(Locale.ROOT))),
                export(c.at("export")),
                rendered(merged.getConfig(ROOT)));
    }

    private static SortedMap<String, String> rendered(Config condense) {
        SortedMap<String, String> out = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> e : condense.entrySet()) {
            out.put(e.getKey(), e.getValue().render(ConfigRenderOptions.concise()));
        }
        return Collections.unmodifiableSortedMap(out);
    }

    private static CondenseSettings.Run run(SettingsReader r) {
        String id = nonEmpty(r, "id");
        if (!id.matches("[A-Za-z0-9._-]+") || id.matches("\\.+")) {
            throw r.bad("id", id, "letters, digits, '.', '_' or '-', not only dots (it names a directory under "
                    + "run.output, and '.' or '..' would write outside it)");
        }
        return new CondenseSettings.Run(id, nonEmpty(r, "output"));
    }

    private static CondenseSettings.Pipeline pipeline(SettingsReader r) {
        List<String> stages = r.strings("stages");
        List<String> order = CondenseSettings.Pipeline.ORDER;
        boolean inOrder = !stages.isEmpty();
        int previous = -1;
        for (String stage : stages) {
            int position = order.indexOf(stage);
            inOrder &= position > previous;
            previous = position;
        }
        if (!inOrder) {
            throw r.bad("stages", stages, "a non-empty list from " + order + ", each once, in that order");
        }
        return new CondenseSettings.Pipeline(List.copyOf(stages));
    }

    private static CondenseSettings.Export export(SettingsReader r) {
        List<String> names = r.strings("precisions");
        List<Precision> precisions = new java.util.ArrayList<>();
        for (String name : names) {
            Precision p = java.util.Arrays.stream(Precision.values())
                    .filter(v -> v.name().equalsIgnoreCase(name)).findFirst()
                    .orElseThrow(() -> r.bad("precisions", names, "a non-empty list of float32 and int8, each once"));
            if (precisions.contains(p)) {
                throw r.bad("precisions", names, "a non-empty list of float32 and int8, each once");
            }
            precisions.add(p);
        }
        if (precisions.isEmpty()) {
            throw r.bad("precisions", names, "a non-empty list of float32 and int8, each once");
        }
        Operators operators = "standard".equals(r.oneOf("operators", Set.of("onnxruntime", "standard")))
                ? Operators.STANDARD : Operators.ONNX_RUNTIME;
        return new CondenseSettings.Export(r.string("model"), List.copyOf(precisions), operators, r.string("output"));
    }

    private static CondenseSettings.Shrink shrink(SettingsReader r) {
        return new CondenseSettings.Shrink(r.string("model"), fixedRatio(r.at("factorise")));
    }

    /** {@code fraction} and {@code kinds} of a fixed-ratio factorisation. */
    static CondenseSettings.FixedRatio fixedRatio(SettingsReader r) {
        double fraction = r.inRange("fraction", 0, 1, true);
        Set<MatrixKind> kinds = encoderKinds(r);
        if (fraction > 0 && kinds.isEmpty()) {
            throw r.bad("kinds", "[]", "at least one matrix kind to factorise");
        }
        return new CondenseSettings.FixedRatio(fraction, kinds);
    }

    private static CondenseSettings.Factorise factorise(SettingsReader r) {
        Set<MatrixKind> kinds = encoderKinds(r);
        if (kinds.isEmpty()) {
            throw r.bad("kinds", "[]", "at least one matrix kind to factorise");
        }
        double target = r.inRange("target", 0, 1, true);
        if (target == 0) {
            throw r.bad("target", target, "a share of the teacher's encoder-matrix values in (0, 1]");
        }
        return new CondenseSettings.Factorise(r.string("model"), r.string("teacher"), kinds, target,
                r.inRange("initial-log-alpha", -20, 20, true), r.positive("gate-learning-rate-scale"),
                r.positive("multiplier-learning-rate"), r.inRange("target-warmup-fraction", 0, 1, true),
                CondenseSettings.Basis.valueOf(r.oneOf("basis", Set.of("weights", "outputs")).toUpperCase(Locale.ROOT)),
                r.intAtLeast("basis-examples", 1), r.inRange("warm-start-slope", 0, 10, true),
                training(r.at("training")));
    }

    /** {@code kinds}: encoder matrix kinds only (the six projections of a layer). */
    static Set<MatrixKind> encoderKinds(SettingsReader r) {
        Set<MatrixKind> kinds = new HashSet<>();
        for (String k : r.strings("kinds")) {
            kinds.add(MatrixKind.fromSetting(k).filter(MatrixKind::isEncoderMatrix)
                    .orElseThrow(() -> r.bad("kinds", k, "encoder matrix kinds: query, key, value, "
                            + "attention-output, ffn-in, ffn-out")));
        }
        return Set.copyOf(kinds);
    }

    private static CondenseSettings.SparkSettings spark(SettingsReader r) {
        return new CondenseSettings.SparkSettings(nonEmpty(r, "master"), nonEmpty(r, "app-name"),
                r.intAtLeast("partitions", 1), r.intAtLeast("threads-per-task", 0));
    }

    private static CondenseSettings.Data data(SettingsReader r) {
        List<String> labels = r.strings("labels");
        if (labels.size() < 2 || new HashSet<>(labels).size() != labels.size()) {
            throw r.bad("labels", labels, "at least two distinct labels");
        }
        CondenseSettings.BadRows badRows = CondenseSettings.BadRows.valueOf(
                r.oneOf("bad-rows", Set.of("fail", "skip")).toUpperCase(Locale.ROOT));
        CondenseSettings.DataFormat format = CondenseSettings.DataFormat.valueOf(r.oneOf("format",
                Set.of("tsv", "fsdd", "keywords", "transcribed")).toUpperCase(Locale.ROOT));
        if (format.isTranscribed()) {
            labels = Characters.SYMBOLS;
        }
        return new CondenseSettings.Data(nonEmpty(r, "train"), nonEmpty(r, "dev"), format,
                nonEmpty(r, "text-column"), r.string("text-pair-column"), nonEmpty(r, "label-column"),
                List.copyOf(labels), badRows, r.intAtLeast("max-length", 8), r.intAtLeast("train-limit", 0),
                r.intAtLeast("sample-rate", 4000));
    }

    private static CondenseSettings.Model model(SettingsReader r) {
        SettingsReader speech = r.at("speech");
        int hidden = speech.intAtLeast("hidden", 1);
        int heads = speech.intAtLeast("heads", 1);
        if (hidden % heads != 0) {
            throw speech.bad("heads", heads, "a divisor of condense.model.speech.hidden (" + hidden + ")");
        }
        Pooling pooling = Pooling.valueOf(r.oneOf("pooling", Set.of("mean", "cls")).toUpperCase(Locale.ROOT));
        return new CondenseSettings.Model(nonEmpty(r, "pretrained"), r.string("tokenizer"), pooling,
                new CondenseSettings.SpeechModel(hidden,
                speech.intAtLeast("layers", 1), heads, speech.intAtLeast("ffn", 1), speech.intAtLeast("channels", 1),
                speech.intAtLeast("max-positions", 1)));
    }

    private static CondenseSettings.Training training(SettingsReader r) {
        return new CondenseSettings.Training(r.intAtLeast("rounds", 1), r.intAtLeast("local-steps", 1),
                r.intAtLeast("batch-size", 1), r.positive("learning-rate"),
                r.inRange("warmup-fraction", 0, 1, true), r.inRange("weight-decay", 0, 1, true),
                r.inRange("max-grad-norm", 0, Double.MAX_VALUE, true), r.inRange("adam-beta1", 0, 1, false),
                r.inRange("adam-beta2", 0, 1, false), r.positive("adam-epsilon"), Set.copyOf(r.strings("frozen")),
                dropout(r.at("dropout")), r.longValue("seed"));
    }

    private static Dropout dropout(SettingsReader r) {
        return new Dropout(r.inRange("hidden", 0, 1, false), r.inRange("attention", 0, 1, false));
    }

    static String nonEmpty(SettingsReader r, String key) {
        String v = r.string(key);
        if (v.isBlank()) {
            throw r.bad(key, v, "a non-empty string");
        }
        return v;
    }
}
