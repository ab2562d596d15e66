package dev.condense.models.prune;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of weight matrix a pruning group can select, by the names used in settings. Encoder matrices are the
 * six per layer; embeddings and the classifier can be selected explicitly.
 */
public enum MatrixKind {
    QUERY("attention.query"),
    KEY("attention.key"),
    VALUE("attention.value"),
    ATTENTION_OUTPUT("attention.output"),
    FFN_IN("ffn.in"),
    FFN_OUT("ffn.out"),
    EMBEDDINGS("embeddings"),
    CLASSIFIER("classifier");

    private final String module;

    MatrixKind(String module) {
        this.module = module;
    }

    /** The settings name: {@code query}, {@code attention-output}, {@code ffn-in}, ... */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Optional<MatrixKind> fromSetting(String name) {
        return Arrays.stream(values()).filter(k -> k.settingName().equals(name)).findFirst();
    }

    public boolean isEncoderMatrix() {
        return this != EMBEDDINGS && this != CLASSIFIER;
    }

    public boolean isAttention() {
        return this == QUERY || this == KEY || this == VALUE || this == ATTENTION_OUTPUT;
    }

    public boolean isFeedForward() {
        return this == FFN_IN || this == FFN_OUT;
    }

    /** The kind of a weight matrix (or embedding table) by its parameter name; empty for biases and norms. */
    public static Optional<MatrixKind> ofWeight(String name) {
        if (name.startsWith("embeddings.") && !name.startsWith("embeddings.norm")) {
            return Optional.of(EMBEDDINGS);
        }
        if (name.equals("classifier.weight")) {
            return Optional.of(CLASSIFIER);
        }
        if (!name.startsWith("layer.") || !name.endsWith(".weight")) {
            return Optional.empty();
        }
        String module = name.substring(name.indexOf('.', "layer.".length()) + 1, name.length() - ".weight".length());
        return Arrays.stream(values()).filter(k -> k.module.equals(module)).findFirst();
    }

    /** The layer of an encoder weight, or -1 for embeddings and the classifier. */
    public static int layerOf(String name) {
        if (!name.startsWith("layer.")) {
            return -1;
        }
        return Integer.parseInt(name.substring("layer.".length(), name.indexOf('.', "layer.".length())));
    }
}
