package dev.condense.models.encoder;

import java.util.List;

/**
 * Lays out one kind of {@link ModelInput} (word pieces, log-mel frames) in a padded {@link Batch}. The kinds live
 * above the encoder ({@code text}, {@code speech}) and bring their own padder, so the encoder knows only batches.
 */
@FunctionalInterface
public interface Padder {

    /**
     * @param inputs inputs of this padder's kind, at most {@code length} positions each
     * @param mask   1 on each input's real positions, already filled
     * @param labels the batch's labels (a copy), or null
     */
    Batch pad(List<? extends ModelInput> inputs, int length, float[] mask, int[] labels);
}
