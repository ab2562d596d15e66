package dev.condense.models.prune;

import dev.condense.models.state.EncoderSpec;
import dev.condense.models.state.ParameterNames;

import java.util.ArrayList;
import java.util.List;

import static dev.condense.models.prune.Slot.Axis.COLUMNS;
import static dev.condense.models.prune.Slot.Axis.ENTRIES;
import static dev.condense.models.prune.Slot.Axis.ROWS;
import static dev.condense.models.prune.Slot.Axis.WHOLE;

/** The slots a pruning group covers in a model of a given spec. A group that selects nothing is an error. */
public final class StructureIndex {

    private StructureIndex() {
    }

    public static List<Slot> slots(PruneGroup group, int groupIndex, EncoderSpec spec) {
        String prefix = "g" + groupIndex + "/";
        List<Slot> slots = new ArrayList<>();
        switch (group.granularity()) {
            case HEAD -> {
                int d = spec.headSize();
                for (int l = 0; l < spec.layers(); l++) {
                    if (group.takesLayer(l)) {
                        slots.add(new Slot(prefix + "layer." + l + ".heads", new long[] {spec.heads()}, List.of(
                                new Slot.Member(ParameterNames.query(l, "weight"), COLUMNS, d),
                                new Slot.Member(ParameterNames.query(l, "bias"), ENTRIES, d),
                                new Slot.Member(ParameterNames.key(l, "weight"), COLUMNS, d),
                                new Slot.Member(ParameterNames.key(l, "bias"), ENTRIES, d),
                                new Slot.Member(ParameterNames.value(l, "weight"), COLUMNS, d),
                                new Slot.Member(ParameterNames.value(l, "bias"), ENTRIES, d),
                                new Slot.Member(ParameterNames.attentionOutput(l, "weight"), ROWS, d))));
                    }
                }
            }
            case NEURON -> {
                for (int l = 0; l < spec.layers(); l++) {
                    if (group.takesLayer(l)) {
                        slots.add(new Slot(prefix + "layer." + l + ".neurons", new long[] {spec.ffn()}, List.of(
                                new Slot.Member(ParameterNames.ffnIn(l, "weight"), COLUMNS, 1),
                                new Slot.Member(ParameterNames.ffnIn(l, "bias"), ENTRIES, 1),
                                new Slot.Member(ParameterNames.ffnOut(l, "weight"), ROWS, 1))));
                    }
                }
            }
            case HIDDEN -> slots.add(new Slot(prefix + "hidden", new long[] {spec.hidden()}, hiddenMembers(spec)));
            case ELEMENT, OUTPUT, INPUT -> {
                for (ParameterNames.Shaped w : ParameterNames.all(spec)) {
                    if (!selects(group, w.name())) {
                        continue;
                    }
                    String bias = w.name().endsWith(".weight")
                            ? w.name().substring(0, w.name().length() - "weight".length()) + "bias" : null;
                    slots.add(switch (group.granularity()) {
                        case ELEMENT -> new Slot(prefix + w.name(), w.shape(),
                                List.of(new Slot.Member(w.name(), WHOLE, 1)));
                        case OUTPUT -> new Slot(prefix + w.name(), new long[] {w.shape()[1]}, bias == null
                                ? List.of(new Slot.Member(w.name(), COLUMNS, 1))
                                : List.of(new Slot.Member(w.name(), COLUMNS, 1), new Slot.Member(bias, ENTRIES, 1)));
                        default -> new Slot(prefix + w.name(), new long[] {w.shape()[0]},
                                List.of(new Slot.Member(w.name(), ROWS, 1)));
                    });
                }
            }
            default -> throw new IllegalArgumentException("unsupported granularity " + group.granularity());
        }
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("pruning group " + groupIndex + " selects no weights");
        }
        return slots;
    }

    /** Every weight entry that reads or writes one hidden dimension, except the embedding tables (see HIDDEN). */
    private static List<Slot.Member> hiddenMembers(EncoderSpec spec) {
        List<Slot.Member> members = new ArrayList<>(List.of(
                new Slot.Member(ParameterNames.EMBEDDING_NORM_GAMMA, ENTRIES, 1),
                new Slot.Member(ParameterNames.EMBEDDING_NORM_BETA, ENTRIES, 1)));
        for (int l = 0; l < spec.layers(); l++) {
            for (String reader : List.of(ParameterNames.query(l, "weight"), ParameterNames.key(l, "weight"),
                    ParameterNames.value(l, "weight"), ParameterNames.ffnIn(l, "weight"))) {
                members.add(new Slot.Member(reader, ROWS, 1));
            }
            members.add(new Slot.Member(ParameterNames.attentionOutput(l, "weight"), COLUMNS, 1));
            members.add(new Slot.Member(ParameterNames.attentionOutput(l, "bias"), ENTRIES, 1));
            members.add(new Slot.Member(ParameterNames.ffnOut(l, "weight"), COLUMNS, 1));
            members.add(new Slot.Member(ParameterNames.ffnOut(l, "bias"), ENTRIES, 1));
            for (String norm : List.of(ParameterNames.attentionNorm(l, "gamma"), ParameterNames.attentionNorm(l, "beta"),
                    ParameterNames.ffnNorm(l, "gamma"), ParameterNames.ffnNorm(l, "beta"))) {
                members.add(new Slot.Member(norm, ENTRIES, 1));
            }
        }
        members.add(new Slot.Member(ParameterNames.CLASSIFIER_WEIGHT, ROWS, 1));
        return members;
    }

    private static boolean selects(PruneGroup group, String weight) {
        return MatrixKind.ofWeight(weight)
                .filter(group.kinds()::contains)
                .filter(k -> !k.isEncoderMatrix() || group.takesLayer(MatrixKind.layerOf(weight)))
                .isPresent() && !group.exclude().contains(weight);
    }
}
