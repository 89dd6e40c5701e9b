package io.hotvisor.patch.applier;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * What the fixture hooks ({@code fix.Hooks}) report to the tests and how they misbehave on
 * purpose. The fixture classes are compiled at test time against this class and find it through
 * their loader's parent.
 */
public final class HookCalls {
    private static final List<String> CALLS = new ArrayList<>();
    private static final Set<String> FAIL = new HashSet<>();
    private static final Set<String> HANG = new HashSet<>();
    private static volatile CountDownLatch hanging = new CountDownLatch(1);
    private static volatile Supplier<String> callback;
    /** Hung hooks ignore their interrupt (a hook that swallows InterruptedException). */
    private static volatile boolean stubborn;

    private HookCalls() {
    }

    /** Called by every fixture hook with its phase. */
    public static void call(String phase) {
        boolean fail;
        boolean hang;
        synchronized (HookCalls.class) {
            CALLS.add(phase);
            fail = FAIL.contains(phase);
            hang = HANG.contains(phase);
        }
        Supplier<String> cb = callback;
        if (cb != null && !"probe".equals(phase)) {
            synchronized (HookCalls.class) {
                CALLS.add(phase + " callback: " + cb.get());
            }
        }
        if (hang) {
            boolean interrupted = false;
            while (true) {
                try {
                    hanging.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (!stubborn) {
                        break;
                    }
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (fail) {
            throw new IllegalStateException(phase + " hook fails on purpose");
        }
    }

    public static synchronized List<String> calls() {
        return List.copyOf(CALLS);
    }

    public static synchronized void failIn(String phase) {
        FAIL.add(phase);
    }

    public static synchronized void hangIn(String phase) {
        hanging = new CountDownLatch(1);
        HANG.add(phase);
    }

    /** Hangs in {@code phase} and ignores interrupts until {@link #unhang()}. */
    public static synchronized void hangStubbornlyIn(String phase) {
        hangIn(phase);
        stubborn = true;
    }

    /** Lets hung hooks go. */
    public static void unhang() {
        stubborn = false;
        hanging.countDown();
    }

    public static void callback(Supplier<String> cb) {
        callback = cb;
    }

    public static synchronized void reset() {
        CALLS.clear();
        FAIL.clear();
        HANG.clear();
        hanging.countDown();
        callback = null;
    }
}
