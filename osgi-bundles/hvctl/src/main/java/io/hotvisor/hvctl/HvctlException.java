package io.hotvisor.hvctl;

import io.hotvisor.cli.HotvisorException;

/** What hvctl tells the operator, as one line, with the exit status to return. */
final class HvctlException extends HotvisorException {
    private final int exitStatus;
    private final String code;

    HvctlException(String message, int exitStatus) {
        this(message, exitStatus, null);
    }

    HvctlException(String message, int exitStatus, String code) {
        super(message);
        this.exitStatus = exitStatus;
        this.code = code;
    }

    @Override
    public int exitStatus() { return exitStatus; }

    /** The host's or hvctl's code; null for a failure that has none (no host, a transport error). */
    @Override
    public String errorCode() { return code; }

    String code() { return code; }
}
