package io.hotvisor.patch.applier.health;

import java.util.Objects;
import java.util.function.Predicate;

/**
 * Counts uncaught exceptions in the hypervisor's threads, and fails the health check when one
 * happened after the watch began, naming thread and exception. The host feeds it, either through
 * {@link #record} from its own handler or by installing {@link #handler} on its threads (or as the
 * default handler with {@link #installAsDefault()}).
 */
public final class UncaughtExceptions implements HealthCheck {
    private final Predicate<Thread> watched;
    private long count;
    private long baseline;
    private String last;

    /** @param watched which threads count (for example those whose name starts with {@code pcpu-}) */
    public UncaughtExceptions(Predicate<Thread> watched) {
        this.watched = Objects.requireNonNull(watched, "watched");
    }

    /** Records an uncaught exception (ignored unless the thread is watched). */
    public synchronized void record(Thread thread, Throwable error) {
        if (!watched.test(thread)) {
            return;
        }
        count++;
        last = error.getClass().getName() + (error.getMessage() == null ? "" : ": " + error.getMessage())
                + " in thread '" + thread.getName() + "'";
    }

    /** A handler that records, then passes the exception on to {@code next} (if any). */
    public Thread.UncaughtExceptionHandler handler(Thread.UncaughtExceptionHandler next) {
        return (t, e) -> {
            record(t, e);
            if (next != null) {
                next.uncaughtException(t, e);
            }
        };
    }

    /** Wraps the JVM's default uncaught exception handler so every thread without its own is counted. */
    public void installAsDefault() {
        Thread.setDefaultUncaughtExceptionHandler(handler(Thread.getDefaultUncaughtExceptionHandler()));
    }

    /** Uncaught exceptions recorded so far. */
    public synchronized long count() {
        return count;
    }

    @Override
    public synchronized void begin() {
        baseline = count;
    }

    @Override
    public synchronized Result check() {
        if (count == baseline) {
            return Result.healthy();
        }
        return Result.failed((count - baseline) + " uncaught exception(s) since the apply, last: " + last);
    }
}
