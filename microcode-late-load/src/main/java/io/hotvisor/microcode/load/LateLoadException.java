package io.hotvisor.microcode.load;

import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.policy.Rule;
import java.util.Objects;
import java.util.Optional;

/**
 * A late load that was refused before anything was loaded: no CPU's revision changed. The
 * {@link #code()} is stable (the control command and {@code hvctl} report it), the {@link #rule()}
 * names the rule of the README's table that refused, and the message says what was wrong and what
 * to do, ending with {@code [rule ID]}.
 */
public final class LateLoadException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why nothing was loaded. Names are stable. */
    public enum Code {
        /** No file was given. */
        NO_FILE,
        /** A file is damaged or not microcode; {@link #formatError()} has the reason and offset. */
        BAD_FILE,
        /** No update in the files is for this host's CPUs (Xen's "not found"), or no file of a directory is named for them. */
        NO_MATCH,
        /** The newest matching update is not newer than the running revision, and force was not asked. */
        NOT_NEWER,
        /** Intel erratum BDF90 forbids late loading on this CPU at this revision. */
        BLACKLISTED,
        /** The update is unsafe to load late (minimum revision undeclared or above the running one) and microcode-force-minrev is set. */
        BELOW_MIN_REVISION,
        /** An AMD patch's SHA-256 is unknown or differs from Linux's table. */
        BAD_DIGEST,
        /** The pCPUs did not all park in time, on every attempt. */
        BUSY,
        /** The pCPUs parked, but too late to load within the timeout, on every attempt: nothing was written. */
        TIMEOUT
    }

    private final Code code;
    private final Rule rule;
    private final transient MicrocodeFormatException formatError;

    LateLoadException(Code code, Rule rule, String message) {
        this(code, rule, message, null);
    }

    LateLoadException(Code code, Rule rule, String message, Throwable cause) {
        super(message + " [rule " + rule.id() + "]", cause);
        this.code = Objects.requireNonNull(code, "code");
        this.rule = rule;
        this.formatError = cause instanceof MicrocodeFormatException f ? f : null;
    }

    /** Why nothing was loaded. */
    public Code code() {
        return code;
    }

    /** The rule that refused. */
    public Rule rule() {
        return rule;
    }

    /** Whether retrying later may succeed (the host was busy): hvctl's exit status 2. */
    public boolean transientRefusal() {
        return code == Code.BUSY || code == Code.TIMEOUT;
    }

    /** For {@link Code#BAD_FILE}: the parser's error, with its own code, file and byte offset. */
    public Optional<MicrocodeFormatException> formatError() {
        return Optional.ofNullable(formatError);
    }
}
