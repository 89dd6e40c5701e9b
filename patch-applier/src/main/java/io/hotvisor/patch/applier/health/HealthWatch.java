package io.hotvisor.patch.applier.health;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * Runs checks periodically for a window after an apply, on one daemon thread. Only the most recent
 * apply is watched: starting a watch ends the previous one, as does {@link #stop}. On the first
 * failing check {@code onFailure} gets the payload name and the reason (the agent then reverts the
 * payload) and the watch ends, unless {@code onFailure} answers that it could not act yet (another
 * action holds the agent): then the watch stops checking, keeps the failure, and offers it again
 * every period, past the end of its window, until it is acted on or the watch is stopped. So the
 * revert is retried, never queued, and a failure is never forgotten. A check that throws counts
 * as failed.
 */
public final class HealthWatch implements AutoCloseable {
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "livepatch-health");
        t.setDaemon(true);
        return t;
    });
    private final BiPredicate<String, String> onFailure;
    private final BiConsumer<String, String> onWarning;
    private Watch current;

    /**
     * @param onFailure called on the watch thread with (payload name, reason); returns true when it
     *                  acted on the failure, false when it could not yet (it is offered again)
     */
    public HealthWatch(BiPredicate<String, String> onFailure) {
        this(onFailure, (name, warning) -> { });
    }

    /** @param onWarning called on the watch thread with (payload name, warning) for a healthy check that warns */
    public HealthWatch(BiPredicate<String, String> onFailure, BiConsumer<String, String> onWarning) {
        this.onWarning = Objects.requireNonNull(onWarning, "onWarning");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
    }

    /** Starts watching {@code name} with {@code checks} for {@code window}, every {@code period}. */
    public synchronized void start(String name, List<HealthCheck> checks, Duration window, Duration period) {
        stopCurrent();
        if (window.isZero() || window.isNegative() || checks.isEmpty()) {
            return;
        }
        Watch w = new Watch(name, new ArrayList<>(checks), System.nanoTime() + window.toNanos());
        for (HealthCheck c : w.checks) {
            c.begin();
        }
        w.future = timer.scheduleAtFixedRate(() -> tick(w), period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
        current = w;
    }

    /** Ends the watch of {@code name}, if it is the current one. */
    public synchronized void stop(String name) {
        if (current != null && current.name.equals(name)) {
            stopCurrent();
        }
    }

    /** The payload watched now, or {@code null}. */
    public synchronized String watching() {
        return current == null ? null : current.name;
    }

    private void stopCurrent() {
        if (current != null) {
            current.future.cancel(false);
            current = null;
        }
    }

    private void tick(Watch w) {
        synchronized (this) {
            if (current != w) {
                return;
            }
            if (w.failure == null && System.nanoTime() - w.deadline > 0) {
                stopCurrent();
                return;
            }
        }
        if (w.failure != null) {
            offer(w, w.failure);
            return;
        }
        String reason = null;
        for (HealthCheck c : w.checks) {
            try {
                HealthCheck.Result r = c.check();
                if (!r.ok()) {
                    reason = r.reason();
                    break;
                }
                if (r.reason() != null) {
                    onWarning.accept(w.name, r.reason());
                }
            } catch (RuntimeException e) {
                reason = "health check " + c.getClass().getName() + " threw " + e;
                break;
            }
        }
        if (reason == null) {
            return;
        }
        w.failure = reason;
        offer(w, reason);
    }

    private void offer(Watch w, String reason) {
        if (!onFailure.test(w.name, reason)) {
            return;
        }
        synchronized (this) {
            if (current == w) {
                stopCurrent();
            }
        }
    }

    @Override
    public synchronized void close() {
        stopCurrent();
        timer.shutdownNow();
    }

    private static final class Watch {
        final String name;
        final List<HealthCheck> checks;
        final long deadline;
        ScheduledFuture<?> future;
        /** The first failure, once a check failed; only the watch thread touches it. */
        String failure;

        Watch(String name, List<HealthCheck> checks, long deadline) {
            this.name = name;
            this.checks = checks;
            this.deadline = deadline;
        }
    }
}
