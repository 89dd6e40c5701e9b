package io.hotvisor.cli;

/**
 * An error a user can cause, anywhere in Hotvisor: a stable code that scripts may match on, a
 * message that says what was wrong (naming the offending thing), an optional hint that says what to
 * do when the message does not already, and the exit status a command line tool returns for it.
 *
 * <p>Every family of user-facing errors extends it (the livepatch agent's, the payload format's,
 * the builder's, microcode's, the control protocol's, the launcher's), so every CLI reports them
 * the same way through {@link CliErrors}: one line, the documented exit status, a stack trace only
 * with {@code --debug}.
 */
public abstract class HotvisorException extends Exception {
    private static final long serialVersionUID = 1L;

    protected HotvisorException(String message) {
        super(message);
    }

    protected HotvisorException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The stable, documented code ({@code WRONG_STATE}, {@code BAD_SIGNATURE}, ...). */
    public abstract String errorCode();

    /** What a command line tool exits with ({@link ExitStatus}). */
    public abstract int exitStatus();

    /** What to do, when the message does not already say it; null when it does. */
    public String hint() {
        return null;
    }
}
