package io.hotvisor.patch.applier.trampoline;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;

/**
 * Arming a class ({@link Trampolines#arm}) deoptimises the compiled code that had folded its
 * prologues away. Until the JIT has compiled it again, pCPUs that run that code run it in the
 * bytecode interpreter, many times slower, and a rendezvous started meanwhile waits that much
 * longer for them to reach their safe points (and competes with the compiler threads for the
 * cores). So after arming, the applier waits, outside the pause and at most {@link #MAX}, until the
 * JIT has finished nothing new for {@link #QUIET}.
 */
final class JitSettle {
    static final Duration QUIET = Duration.ofMillis(30);
    static final Duration MAX = Duration.ofMillis(500);
    private static final long POLL_MILLIS = 5;

    private JitSettle() {
    }

    /** Returns once the JIT has been quiet for {@link #QUIET}, after {@link #MAX}, or at once without a JIT to watch. */
    static void await() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long start = System.nanoTime();
        long quietSince = start;
        long seen = jit.getTotalCompilationTime();
        while (System.nanoTime() - start < MAX.toNanos()) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = jit.getTotalCompilationTime();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= QUIET.toNanos()) {
                return;
            }
        }
    }
}
