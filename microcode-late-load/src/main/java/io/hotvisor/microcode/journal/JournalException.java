package io.hotvisor.microcode.journal;

/** The microcode journal, or a file it names, cannot be trusted or written: one line says why. */
public final class JournalException extends Exception {
    private static final long serialVersionUID = 1L;

    public JournalException(String message) {
        super(message);
    }

    public JournalException(String message, Throwable cause) {
        super(message, cause);
    }
}
