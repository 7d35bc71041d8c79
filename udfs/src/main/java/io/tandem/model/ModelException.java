package io.tandem.model;

/**
 * The one checked exception at the model boundary: unreadable or unsupported model files and
 * failures of the native engine. Messages name the model (or file) concerned, so callers can log
 * and rethrow without adding context. Bad arguments from callers are {@link
 * IllegalArgumentException}s instead, as they are programming errors.
 */
public class ModelException extends Exception {

    private static final long serialVersionUID = 1L;

    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
