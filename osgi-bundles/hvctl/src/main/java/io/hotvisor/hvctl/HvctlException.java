package io.hotvisor.hvctl;

/** What hvctl tells the operator, as one line, with the exit status to return. */
final class HvctlException extends Exception {
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

    int exitStatus() { return exitStatus; }

    String code() { return code; }
}
