package dev.condense.models.encoder;

/**
 * One example's input to an encoder, before batching: word pieces for a text model
 * ({@code text.Encoding}), log-mel frames for a speech model
 * ({@code speech.Utterance}). Batching and bucketing need only how many positions the encoder
 * will see.
 */
public interface ModelInput {

    /** The positions of the encoder's residual stream this input fills (frames after subsampling, for speech). */
    int length();

    /** How inputs of this kind are padded into a batch; all the inputs of a batch share one padder. */
    Padder padder();
}
