package io.hotvisor.control;

/**
 * A control request that cannot be carried out. The code is stable (scripts match on it), the
 * message says what was wrong and what to do, and the exit status is what {@code hvctl} returns:
 * 1 for an error, 2 for "busy, retry" (as {@code xen-livepatch} does).
 */
public class ControlException extends Exception {
    public static final int EXIT_ERROR = 1, EXIT_BUSY = 2;

    private final String code;
    private final int exitStatus;

    public ControlException(String code, String message) {
        this(code, message, EXIT_ERROR);
    }

    public ControlException(String code, String message, int exitStatus) {
        super(message);
        this.code = code;
        this.exitStatus = exitStatus;
    }

    public String code() { return code; }

    public int exitStatus() { return exitStatus; }
}
