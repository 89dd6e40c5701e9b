package io.hotvisor.patch.applier;

import io.hotvisor.cli.HotvisorException;

import io.hotvisor.patch.format.PayloadError;

import java.util.Objects;

/**
 * A livepatch action that was refused or failed. Carries a stable {@link ErrorCode} and a message
 * meant for an operator as it is: it names the payload (and class, method, thread or hook) and
 * says what to do. Whatever the code, the host is either fully patched or fully unpatched
 * afterwards, except for {@link ErrorCode#INCONSISTENT}.
 */
public final class LivepatchException extends HotvisorException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final transient PayloadError payloadError;
    private boolean rolledBack;

    public LivepatchException(ErrorCode code, String message) {
        this(code, message, null, null);
    }

    public LivepatchException(ErrorCode code, String message, Throwable cause) {
        this(code, message, null, cause);
    }

    LivepatchException(ErrorCode code, String message, PayloadError payloadError, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.payloadError = payloadError;
    }

    /** The stable code. */
    public ErrorCode code() {
        return code;
    }

    /** For {@link ErrorCode#BAD_PAYLOAD}: the format's own code; otherwise {@code null}. */
    public PayloadError payloadError() {
        return payloadError;
    }

    /**
     * Whether the action got as far as the rendezvous window and failed there: whatever it had
     * changed was restored in the same window (the journal's outcome {@code failed}, as opposed
     * to {@code refused}, where nothing was attempted).
     */
    public boolean rolledBack() {
        return rolledBack;
    }

    LivepatchException markRolledBack() {
        rolledBack = true;
        return this;
    }

    /** The exit status for this failure: see {@link ErrorCode#exitStatus()}. */
    @Override
    public String errorCode() {
        return code.name();
    }

    @Override
    public int exitStatus() {
        return code.exitStatus();
    }
}
