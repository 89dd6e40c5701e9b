package io.hotvisor.patch.format.buildinfo;

/**
 * A build-info document that cannot be read, written or made: the message names the file or
 * field and what is wrong with it.
 */
public final class BuildInfoException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A failure with its message. */
    public BuildInfoException(String message) {
        super(message);
    }

    /** A failure with its message and cause. */
    public BuildInfoException(String message, Throwable cause) {
        super(message, cause);
    }
}
