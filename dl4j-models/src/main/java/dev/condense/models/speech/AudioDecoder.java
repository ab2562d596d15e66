package dev.condense.models.speech;

/**
 * Decodes a clip's bytes by what they are, not by the file's name: FLAC by its stream marker, everything else
 * through {@link WavDecoder} (WAV, AIFF, AU), whose errors say when the bytes are not audio at all.
 */
public final class AudioDecoder {

    private AudioDecoder() {
    }

    /** @param source the clip's path, which starts every error message */
    public static Audio decode(byte[] bytes, String source) {
        return FlacDecoder.isFlac(bytes) ? FlacDecoder.decode(bytes, source) : WavDecoder.decode(bytes, source);
    }
}
