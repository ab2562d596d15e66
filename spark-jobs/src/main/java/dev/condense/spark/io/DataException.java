package dev.condense.spark.io;

/** Input data is unusable; the message names the file and line, or the path, and the reason. */
public final class DataException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
