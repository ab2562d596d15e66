package dev.condense.models.speech;

/**
 * A clip's bytes to a speech encoder's input, the same way on every executor: decode (WAV or FLAC), resample to
 * one rate, 80 log-mel bins, per-utterance mean and variance normalisation.
 *
 * @param sampleRate the rate every clip is brought to before its features are computed
 */
public record SpeechFeatures(int sampleRate) implements java.io.Serializable {

    /**
     * @param source     the clip's path, which starts every error message
     * @param transcript character ids for CTC, or empty
     * @throws AudioException when the clip cannot be decoded or is shorter than one 25 ms window
     */
    public Utterance utterance(byte[] clip, String source, int[] transcript) {
        return utterance(AudioDecoder.decode(clip, source), source, transcript);
    }

    /** As {@link #utterance(byte[], String, int[])}, from decoded audio. */
    public Utterance utterance(Audio audio, String source, int[] transcript) {
        Audio resampled = audio.resample(sampleRate);
        LogMelFilterbank filterbank = LogMelFilterbank.standard(sampleRate);
        if (filterbank.frames(resampled.samples().length) == 0) {
            throw new AudioException(source, String.format("is %.1f ms long, shorter than one 25 ms analysis window",
                    1000 * audio.seconds()));
        }
        return Utterance.of(LogMelFilterbank.normalise(filterbank.compute(resampled.samples())), transcript);
    }
}
