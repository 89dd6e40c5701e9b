package io.hotvisor.control;

import io.hotvisor.cli.ExitStatus;
import io.hotvisor.cli.HotvisorException;

/**
 * A control request that cannot be carried out. The code is stable (scripts match on it), the
 * message says what was wrong and what to do, and the exit status is what {@code hvctl} returns:
 * 1 for an error, 2 for "busy, retry" (as {@code xen-livepatch} does).
 */
public class ControlException extends HotvisorException {
    public static final int EXIT_ERROR = ExitStatus.ERROR, EXIT_BUSY = ExitStatus.BUSY;

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

    @Override
    public String errorCode() { return code; }

    @Override
    public int exitStatus() { return exitStatus; }
}
