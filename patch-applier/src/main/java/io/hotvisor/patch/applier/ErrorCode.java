package io.hotvisor.patch.applier;

/**
 * The stable codes of a refused or failed livepatch action. Codes are never renamed or reused, so
 * scripts may match on them; {@link #exitStatus()} is what {@code hvctl livepatch} exits with,
 * after {@code xen-livepatch}: 1 for an error, 2 for "busy, retry later".
 */
public enum ErrorCode {
    /** A payload with that name, or with that payload build-id, is already uploaded. */
    EXISTS(1),
    /** No payload with that name is uploaded. */
    NOT_FOUND(1),
    /** The payload is not in the state the action needs. */
    WRONG_STATE(1),
    /** Another livepatch action is in progress (also a hook calling back into the agent). */
    BUSY(2),
    /** The pCPUs did not all reach their safe point within the rendezvous timeout; nothing changed. */
    TIMEOUT(2),
    /** A method being replaced is on some thread's stack; nothing changed (kpatch's activeness check). */
    ACTIVE(2),
    /** The payload's depends-on is not the top of the applied stack (or the host build, for the first). */
    DEPENDENCY(1),
    /** Only the most recently applied payload can be reverted. */
    NOT_TOP(1),
    /** The payload targets another host build. */
    WRONG_BUILD(1),
    /** A class the payload redefines is not running the bytes the payload expects. */
    EXPECTATION(1),
    /** The payload has neither classes nor hooks. */
    NOTHING_TO_PATCH(1),
    /** The payload file was refused by the format's reader (signature, format, limits). */
    BAD_PAYLOAD(1),
    /** The name is not a valid payload name or does not match the payload's own. */
    BAD_NAME(1),
    /** A class or bundle the payload names is not loaded in the host. */
    CLASS_NOT_FOUND(1),
    /** A hook threw or timed out; a pre-hook vetoes the action, an in-window hook rolls it back. */
    HOOK_FAILED(1),
    /** The class batch was refused by the JVM (verify error, unsupported change) or an in-window check failed; rolled back. */
    APPLY_FAILED(1),
    /** The action is not possible for this combination of payloads (replace with pre/post hooks). */
    UNSUPPORTED(1),
    /** The state directory or journal could not be written or read. */
    IO_ERROR(1),
    /** A rollback itself failed: the host may run a partially applied payload. Restart the host. */
    INCONSISTENT(1),
    /** The state directory was written by another host build; its applied stack is not re-applied. */
    RECOVERY_REFUSED(1),
    /**
     * The livepatch state cannot be trusted (a damaged journal, an unusable state directory): no
     * payload state was guessed, and actions are refused until {@code hvctl livepatch recover}.
     */
    DEGRADED(1),
    /**
     * The payload requires a livepatch mechanism this host is not configured with (its manifest's
     * {@code requires} lists {@code trampoline}, and the host's {@code livepatch-mechanism} is
     * {@code redefine}); refused at upload, nothing changed.
     */
    WRONG_MECHANISM(1);

    private final int exitStatus;

    ErrorCode(int exitStatus) {
        this.exitStatus = exitStatus;
    }

    /** 1: an error; 2: busy or in progress, worth retrying. (0 is success, which has no code.) */
    public int exitStatus() {
        return exitStatus;
    }
}
