package dev.condense.models.speech;

/** A clip that cannot be decoded; the message starts with the clip's path. */
public final class AudioException extends IllegalArgumentException {

    public AudioException(String source, String problem) {
        super(source + " " + problem);
    }
}
