package io.hotvisor.cli;

/**
 * The exit statuses of Hotvisor's command line tools. {@code hvctl} (and {@code hvctl ucode}) use
 * all of them, after {@code xen-livepatch}: 2 means "busy, nothing changed, retry". {@code hvpatch}
 * keeps its documented three: 0, {@link #ERROR} for a refused build or an invalid payload, and 2
 * for a usage error or unusable input ({@link #HVPATCH_USAGE}).
 */
public final class ExitStatus {
    private ExitStatus() {
    }

    /** Done. */
    public static final int OK = 0;
    /** Refused or failed; the message says why. */
    public static final int ERROR = 1;
    /** Busy or timed out: nothing was changed; retry. */
    public static final int BUSY = 2;
    /** No host answers at the control socket. */
    public static final int NO_HOST = 3;
    /** The command line itself is wrong (sysexits' EX_USAGE). */
    public static final int USAGE = 64;
    /** {@code hvpatch}'s usage error or unusable input, as documented since its first release. */
    public static final int HVPATCH_USAGE = 2;
}
