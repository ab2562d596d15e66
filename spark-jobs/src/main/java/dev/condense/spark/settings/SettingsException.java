package dev.condense.spark.settings;

/** A setting is missing, unknown, of the wrong type or out of range; the message names the key path. */
public final class SettingsException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public SettingsException(String message) {
        super(message);
    }

    public SettingsException(String message, Throwable cause) {
        super(message, cause);
    }
}
