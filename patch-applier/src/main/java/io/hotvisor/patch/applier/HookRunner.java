package io.hotvisor.patch.applier;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs hooks and health probes, each on a pool thread with a time bound, never on the thread that
 * holds the agent: a hook that calls back into the agent finds it busy instead of re-entering it.
 * Outside the window ({@link #run}) a hook that hangs is abandoned after its bound (its thread is
 * left running, as the JVM cannot stop a thread safely; it is named in the error). Inside the
 * window ({@link #runInWindow}) a hook is never abandoned while it runs: past its bound it is
 * interrupted and waited for, up to the same bound again, and the failure says whether it ended.
 */
final class HookRunner implements AutoCloseable {
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "livepatch-hook-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    /** A resolved hook: a public static no-argument method. */
    record Call(String label, Method method) {
        String describe() {
            return label + " hook " + method.getDeclaringClass().getName() + "." + method.getName();
        }
    }

    /** Why a hook failed, ready for an operator. */
    static final class Failure extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean stillRunning;

        Failure(String message, Throwable cause) {
            this(message, cause, false);
        }

        Failure(String message, Throwable cause, boolean stillRunning) {
            super(message, cause);
            this.stillRunning = stillRunning;
        }

        /** The hook's thread had not ended when the failure was reported. */
        boolean stillRunning() {
            return stillRunning;
        }
    }

    /**
     * Runs {@code call} and waits at most {@code timeout}.
     *
     * @throws Failure when it threw (the message names the exception) or did not finish in time
     */
    void run(Call call, Duration timeout) throws Failure {
        run(call, timeout, Duration.ZERO);
    }

    /**
     * Runs an in-window hook: waits at most {@code bound}; then interrupts it and waits for it to
     * end, at most {@code bound} again, so that a rollback never runs beside a hook still changing
     * state unless the hook ignores its interrupt that long ({@link Failure#stillRunning()}).
     *
     * @throws Failure when it threw, or overran its bound
     */
    void runInWindow(Call call, Duration bound) throws Failure {
        run(call, bound, bound);
    }

    private void run(Call call, Duration timeout, Duration grace) throws Failure {
        Thread[] runner = new Thread[1];
        CountDownLatch ended = new CountDownLatch(1);
        Future<?> f = pool.submit(() -> {
            runner[0] = Thread.currentThread();
            try {
                call.method().invoke(null);
            } finally {
                ended.countDown();
            }
            return null;
        });
        try {
            f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof InvocationTargetException ite && ite.getCause() != null
                    ? ite.getCause() : e.getCause();
            throw new Failure(call.describe() + " threw " + cause.getClass().getName()
                    + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        } catch (TimeoutException e) {
            f.cancel(true);
            Thread t = runner[0];
            if (!grace.isZero()) {
                boolean done = t == null || awaitQuietly(ended, grace);
                throw new Failure(call.describe() + " did not finish within " + timeout.toMillis() + " ms; interrupted, "
                        + (done ? "it ended" : "thread '" + t.getName() + "' was still running it " + grace.toMillis()
                        + " ms later"), null, !done);
            }
            throw new Failure(call.describe() + " did not finish within " + timeout.toMillis() + " ms; abandoned"
                    + (t == null ? "" : " (thread '" + t.getName() + "' may still be running it)"), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new Failure(call.describe() + " was interrupted", e);
        }
    }

    private static boolean awaitQuietly(CountDownLatch ended, Duration grace) {
        try {
            return ended.await(grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
