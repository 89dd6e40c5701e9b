package io.hotvisor.patch.format;

import io.hotvisor.cli.ExitStatus;
import io.hotvisor.cli.HotvisorException;

import java.util.Objects;

/**
 * The one exception the patch format throws for anything a user can cause: a refused payload, an
 * unreadable key, an unusable trust directory. It carries a stable {@link PayloadError} code and a
 * message that names the offending thing and says what to do; the message is meant to be shown to
 * an operator as it is.
 *
 * <p>Programming errors (a {@code null} argument, a draft that breaks a documented precondition)
 * are reported with the standard unchecked exceptions instead.
 */
public final class PayloadException extends HotvisorException {
    private static final long serialVersionUID = 1L;

    private final PayloadError error;

    /**
     * @param error   the stable code
     * @param message what was wrong, naming the offending entry, field or file, and what to do
     */
    public PayloadException(PayloadError error, String message) {
        super(message);
        this.error = Objects.requireNonNull(error, "error");
    }

    /**
     * @param error   the stable code
     * @param message what was wrong and what to do
     * @param cause   the lower-level failure, kept for {@code --debug} stack traces
     */
    public PayloadException(PayloadError error, String message, Throwable cause) {
        super(message, cause);
        this.error = Objects.requireNonNull(error, "error");
    }

    /** The stable code of this failure. */
    public PayloadError error() {
        return error;
    }

    @Override
    public String errorCode() {
        return error.name();
    }

    /** {@code hvpatch}'s: 1 for a payload at fault, 2 for unusable input (a missing file, a bad key). */
    @Override
    public int exitStatus() {
        return error.payloadFault() ? ExitStatus.ERROR : ExitStatus.HVPATCH_USAGE;
    }
}
