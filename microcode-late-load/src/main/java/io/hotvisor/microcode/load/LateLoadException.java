package io.hotvisor.microcode.load;

import io.hotvisor.microcode.MicrocodeFormatException;
import java.util.Objects;
import java.util.Optional;

/**
 * A late load that was refused before anything was loaded: no CPU's revision changed. The
 * {@link #code()} is stable (the control command and {@code hvctl} report it); the message says what
 * was wrong and what to do.
 */
public final class LateLoadException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why nothing was loaded. Names are stable. */
    public enum Code {
        /** No file was given. */
        NO_FILE,
        /** A file is damaged or not microcode; {@link #formatError()} has the reason and offset. */
        BAD_FILE,
        /** No update in the files is for this host's CPUs (Xen's "not found"). */
        NO_MATCH,
        /** The newest matching update is not newer than the running revision, and force was not asked. */
        NOT_NEWER,
        /** The update names a minimum running revision for late loading that the CPUs do not have. */
        BELOW_MIN_REVISION,
        /** The pCPUs did not all park in time, on every attempt. */
        BUSY
    }

    private final Code code;
    private final transient MicrocodeFormatException formatError;

    LateLoadException(Code code, String message) {
        this(code, message, null);
    }

    LateLoadException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.formatError = cause instanceof MicrocodeFormatException f ? f : null;
    }

    /** Why nothing was loaded. */
    public Code code() {
        return code;
    }

    /** For {@link Code#BAD_FILE}: the parser's error, with its own code, file and byte offset. */
    public Optional<MicrocodeFormatException> formatError() {
        return Optional.ofNullable(formatError);
    }
}
