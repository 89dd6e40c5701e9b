package io.hotvisor.patch.applier;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs hooks and health probes, each on a pool thread with a time bound, never on the thread that
 * holds the agent: a hook that calls back into the agent finds it busy instead of re-entering it,
 * and a hook that hangs is abandoned after its bound (its thread is left running, as the JVM
 * cannot stop a thread safely; it is named in the error).
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

        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs {@code call} and waits at most {@code timeout}.
     *
     * @throws Failure when it threw (the message names the exception) or did not finish in time
     */
    void run(Call call, Duration timeout) throws Failure {
        Thread[] runner = new Thread[1];
        Future<?> f = pool.submit(() -> {
            runner[0] = Thread.currentThread();
            call.method().invoke(null);
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
            throw new Failure(call.describe() + " did not finish within " + timeout.toMillis() + " ms; abandoned"
                    + (t == null ? "" : " (thread '" + t.getName() + "' may still be running it)"), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(true);
            throw new Failure(call.describe() + " was interrupted", e);
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
