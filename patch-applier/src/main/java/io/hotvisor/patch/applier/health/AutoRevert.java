package io.hotvisor.patch.applier.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The automatic revert: watches the most recently applied payload with the host's health checks and
 * the payload's own probes, and when one fails reverts the payload and every payload applied on top
 * of it (they stack on it), top first, through the agent's normal revert.
 *
 * <p>Never queued: an automatic revert takes the agent's action permit only if it is free. When an
 * operator's action holds it, the revert is not started and the {@link HealthWatch} offers the same
 * failure again one period later, until the revert runs or the payload is no longer applied (an
 * operator reverted it meanwhile). No thread waits on the permit, and an operator's action is never
 * delayed by one the host started on its own.
 *
 * <p>A revert whose rendezvous timed out changed nothing, so it is tried again at once with a longer
 * timeout (30 ms, then 120, 480 and 1920 ms) before the failure is recorded on the payload: a busy
 * host must not keep a payload it found unhealthy.
 */
public final class AutoRevert implements AutoCloseable {
    /** How the journal names the cause of a revert this watch made: {@code health: } and the reason. */
    public static final String CAUSE = "health: ";

    private static final int ATTEMPTS = 5;

    /** What the automatic revert needs of the agent. */
    public interface Target {
        /** Takes the action permit if it is free, for {@code what}; false at once if not. */
        boolean tryBegin(String what);

        /** Gives the permit back. */
        void end();

        /** True once the agent is closed: nothing more is reverted. */
        boolean closed();

        /** True while {@code name} is applied. */
        boolean applied(String name);

        /** The top of the applied stack, or null. */
        String top();

        /**
         * Reverts {@code name}, the top of the stack, recording {@code lastError} with its new state.
         *
         * @return null when reverted, else why not
         */
        Failure revert(String name, Duration timeout, String cause, String lastError);

        /** Records why an automatic revert of {@code name} failed. */
        void failed(String name, String error);

        void log(System.Logger.Level level, String name, String message);
    }

    /** Why a revert did not happen; {@code timedOut} when the rendezvous timed out (nothing changed). */
    public record Failure(boolean timedOut, String message) {
    }

    private final Target target;
    private final List<HealthCheck> hostChecks;
    private final Duration window;
    private final Duration period;
    private final Duration firstTimeout;
    private final HealthWatch watch = new HealthWatch(this::failed, this::warned);

    /**
     * @param hostChecks   checks every watch runs (the host's own)
     * @param window       how long a payload is watched after its apply; zero for no watch
     * @param period       how often the checks run
     * @param firstTimeout the rendezvous timeout of the first attempt
     */
    public AutoRevert(Target target, List<HealthCheck> hostChecks, Duration window, Duration period, Duration firstTimeout) {
        this.target = Objects.requireNonNull(target, "target");
        this.hostChecks = List.copyOf(hostChecks);
        this.window = window;
        this.period = period;
        this.firstTimeout = firstTimeout;
    }

    /** Watches {@code name}, just applied, with the host's checks and {@code probes}. */
    public void start(String name, List<HealthCheck> probes) {
        List<HealthCheck> checks = new ArrayList<>(hostChecks);
        checks.addAll(probes);
        watch.start(name, checks, window, period);
    }

    /** Ends the watch of {@code name}, if it is watched. */
    public void stop(String name) {
        watch.stop(name);
    }

    /** The payload watched now, or null. */
    public String watching() {
        return watch.watching();
    }

    /** A healthy check that warns (a starved pCPU): logged, never acted on. */
    private void warned(String name, String warning) {
        target.log(System.Logger.Level.WARNING, name, "health watch: " + warning);
    }

    /** Called on the watch thread; false when the permit is taken and the failure must be offered again. */
    private boolean failed(String name, String reason) {
        if (target.closed() || !target.applied(name)) {
            return true;
        }
        if (!target.tryBegin("revert " + name + " (health watch)")) {
            target.log(System.Logger.Level.WARNING, name, "health watch failed: " + reason
                    + "; another action is running, the automatic revert is tried again in " + period.toMillis() + " ms");
            return false;
        }
        try {
            if (!target.applied(name)) {
                return true;
            }
            target.log(System.Logger.Level.WARNING, name, "health watch failed: " + reason + "; reverting automatically");
            String cause = CAUSE + reason;
            while (true) {
                String top = target.top();
                if (top == null) {
                    return true;
                }
                Failure f = revertWithRetries(top, cause, "HEALTH: reverted automatically: " + reason);
                if (f != null) {
                    target.failed(name, "HEALTH: automatic revert failed: " + f.message());
                    target.log(System.Logger.Level.ERROR, name, "automatic revert after a failed health check failed: "
                            + f.message());
                    return true;
                }
                target.log(System.Logger.Level.ERROR, top, "reverted automatically by the health watch: " + reason);
                if (top.equals(name)) {
                    return true;
                }
            }
        } finally {
            target.end();
        }
    }

    private Failure revertWithRetries(String top, String cause, String lastError) {
        Duration timeout = firstTimeout;
        for (int attempt = 1; ; attempt++) {
            Failure f = target.revert(top, timeout, cause, lastError);
            if (f == null || !f.timedOut() || attempt == ATTEMPTS || target.closed()) {
                return f;
            }
            timeout = timeout.multipliedBy(4);
            target.log(System.Logger.Level.WARNING, top, "automatic revert timed out (" + f.message()
                    + "); trying again with a " + timeout.toMillis() + " ms timeout");
        }
    }

    @Override
    public void close() {
        watch.close();
    }
}
