package dev.condense.spark.settings;

import dev.condense.models.distill.DistillSettings;
import dev.condense.models.prune.Granularity;
import dev.condense.models.prune.MatrixKind;
import dev.condense.models.prune.NuclearNorm;
import dev.condense.models.prune.PruneGroup;
import dev.condense.models.prune.Pruner;
import dev.condense.models.prune.ScoreMethod;
import dev.condense.models.prune.SparsitySchedule;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reads {@code condense.prune} and {@code condense.distill}. Pruning groups are objects in a list, which HOCON
 * does not merge with {@code reference.conf}, so their keys are checked here one by one.
 */
final class PruneSettingsReader {

    private static final Set<String> GROUP_KEYS = Set.of("kinds", "layers", "granularity", "sparsity", "global",
            "exclude");

    private PruneSettingsReader() {
    }

    static CondenseSettings.Prune prune(SettingsReader r, CondenseSettings.Training training) {
        ScoreMethod method = ScoreMethod.valueOf(r.oneOf("method", Arrays.stream(ScoreMethod.values())
                .map(ScoreMethod::settingName).collect(Collectors.toSet())).toUpperCase(Locale.ROOT).replace('-', '_'));
        List<PruneGroup> groups = new ArrayList<>();
        for (SettingsReader g : r.objects("groups")) {
            groups.add(group(g, method));
        }
        if (groups.isEmpty()) {
            throw r.bad("groups", "[]", "at least one pruning group");
        }
        SettingsReader sr = r.at("schedule");
        SparsitySchedule.Kind kind = SparsitySchedule.Kind.valueOf(sr.oneOf("kind",
                Set.of("one-shot", "linear", "agp", "iterative")).toUpperCase(Locale.ROOT).replace('-', '_'));
        int start = sr.intAtLeast("start-step", 0);
        int end = sr.intAtLeast("end-step", start);
        if (end > training.totalSteps()) {
            throw sr.bad("end-step", end, "at most the stage's " + training.totalSteps()
                    + " steps (prune.training.rounds × local-steps)");
        }
        SparsitySchedule schedule = new SparsitySchedule(kind, start, end, sr.intAtLeast("every", 1),
                sr.intAtLeast("iterations", 1));
        SettingsReader movement = r.at("movement");
        Pruner.Spec spec;
        try {
            spec = new Pruner.Spec(groups, method, schedule, sr.inRange("initial-sparsity", 0, 1, false),
                    movement.inRange("regular-scale", 0, Double.MAX_VALUE, true),
                    movement.inRange("threshold", 0, 1, false), movement.inRange("initial-score", -100, 100, true),
                    new NuclearNorm.Penalty(r.at("nuclear-norm").inRange("lambda", 0, Double.MAX_VALUE, true),
                            r.at("nuclear-norm").intAtLeast("rank", 1)), scoreDecay(r));
        } catch (IllegalArgumentException e) {
            throw new SettingsException("setting condense.prune is invalid: " + e.getMessage(), e);
        }
        for (String frozen : training.frozen()) {
            if (groups.stream().anyMatch(g -> g.kinds().contains(MatrixKind.EMBEDDINGS))
                    && frozen.startsWith("embeddings.")) {
                throw new SettingsException("setting condense.prune.training.frozen freezes " + frozen
                        + ", which a pruning group selects; a pruned weight must be trainable");
            }
        }
        CondenseSettings.StudentStart studentStart = CondenseSettings.StudentStart.valueOf(
                r.oneOf("student-start", Set.of("auto", "teacher", "pretrained")).toUpperCase(Locale.ROOT));
        return new CondenseSettings.Prune(r.string("teacher"), studentStart,
                SettingsLoader.fixedRatio(r.at("low-rank")), spec, training, movement.positive("learning-rate"));
    }

    private static double scoreDecay(SettingsReader r) {
        double decay = r.inRange("score-decay", 0, 1, true);
        if (decay == 0) {
            throw r.bad("score-decay", decay, "a factor in (0, 1]: 1 sums every round's scores");
        }
        return decay;
    }

    private static PruneGroup group(SettingsReader g, ScoreMethod method) {
        g.onlyKeys(GROUP_KEYS);
        Set<MatrixKind> kinds = new HashSet<>();
        for (String k : g.has("kinds") ? g.strings("kinds") : List.<String>of()) {
            kinds.add(MatrixKind.fromSetting(k).orElseThrow(() -> g.bad("kinds", k, "one of "
                    + Arrays.stream(MatrixKind.values()).map(MatrixKind::settingName).toList())));
        }
        Granularity granularity = Granularity.valueOf(g.oneOf("granularity", Arrays.stream(Granularity.values())
                .map(Granularity::settingName).collect(Collectors.toSet())).toUpperCase(Locale.ROOT));
        if (granularity == Granularity.HEAD && !kinds.stream().allMatch(MatrixKind::isAttention)) {
            throw g.bad("kinds", kinds, "attention kinds only for granularity head (a head spans all four)");
        }
        if (granularity == Granularity.NEURON && !kinds.stream().allMatch(MatrixKind::isFeedForward)) {
            throw g.bad("kinds", kinds, "ffn-in / ffn-out only for granularity neuron");
        }
        if (granularity == Granularity.HIDDEN) {
            for (String key : List.of("kinds", "layers", "exclude")) {
                List<?> values = !g.has(key) ? List.of() : key.equals("layers") ? g.ints(key) : g.strings(key);
                if (!values.isEmpty()) {
                    throw g.bad(key, values, "nothing: a hidden dimension spans every layer and matrix "
                            + "(leave kinds, layers and exclude out of a granularity = hidden group)");
                }
            }
        }
        if (kinds.isEmpty() && granularity != Granularity.HEAD && granularity != Granularity.NEURON
                && granularity != Granularity.HIDDEN) {
            throw g.bad("kinds", "[]", "at least one matrix kind");
        }
        double sparsity = method == ScoreMethod.SOFT_MOVEMENT && !g.has("sparsity") ? 0
                : g.inRange("sparsity", 0, 1, false);
        List<Integer> layers = g.has("layers") ? g.ints("layers") : List.of();
        boolean global = !g.has("global") || g.bool("global");
        Set<String> exclude = g.has("exclude") ? Set.copyOf(g.strings("exclude")) : Set.of();
        return new PruneGroup(kinds, Set.copyOf(layers), granularity, sparsity, global, exclude);
    }

    static DistillSettings distill(SettingsReader r) {
        double alpha = r.inRange("alpha", 0, Double.MAX_VALUE, true);
        double beta = r.inRange("beta", 0, Double.MAX_VALUE, true);
        double gamma = r.inRange("gamma", 0, Double.MAX_VALUE, true);
        if (alpha + beta + gamma == 0) {
            throw r.bad("alpha", alpha, "alpha, beta and gamma not all 0");
        }
        int[] layers = r.ints("teacher-layers").stream().mapToInt(Integer::intValue).toArray();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] < 1 || (i > 0 && layers[i] <= layers[i - 1])) {
                throw r.bad("teacher-layers", Arrays.toString(layers), "increasing layer numbers >= 1");
            }
        }
        return new DistillSettings(alpha, beta, gamma, r.positive("temperature"), layers);
    }
}
