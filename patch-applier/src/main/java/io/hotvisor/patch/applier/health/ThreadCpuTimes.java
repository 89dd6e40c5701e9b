package io.hotvisor.patch.applier.health;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The CPU time used by the threads named {@code PREFIX0}, {@code PREFIX1}, ... (the pCPU threads
 * {@code pcpu-0} .. {@code pcpu-N}), for {@link ProgressCheck} to tell a stuck pCPU from a starved
 * one. Thread ids are looked up by name and looked up again when a thread ends (a scheduler bundle
 * update starts new pCPU threads). -1 where the thread is not found or the JVM does not measure
 * thread CPU time. Thread-safe.
 */
public final class ThreadCpuTimes implements Supplier<long[]> {
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final String prefix;
    private final int count;
    private long[] ids;

    public ThreadCpuTimes(String prefix, int count) {
        this.prefix = prefix;
        this.count = count;
        this.ids = new long[count];
        Arrays.fill(ids, -1);
    }

    @Override
    public synchronized long[] get() {
        long[] out = new long[count];
        if (!threads.isThreadCpuTimeSupported()) {
            Arrays.fill(out, -1);
            return out;
        }
        boolean looked = false;
        for (int i = 0; i < count; i++) {
            long t = ids[i] < 0 ? -1 : threads.getThreadCpuTime(ids[i]);
            if (t < 0 && !looked) {
                lookUp();
                looked = true;
                t = ids[i] < 0 ? -1 : threads.getThreadCpuTime(ids[i]);
            }
            out[i] = t;
        }
        return out;
    }

    private void lookUp() {
        Arrays.fill(ids, -1);
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds(), 0)) {
            if (info == null || !info.getThreadName().startsWith(prefix)) {
                continue;
            }
            try {
                int i = Integer.parseInt(info.getThreadName().substring(prefix.length()));
                if (i >= 0 && i < count) {
                    ids[i] = info.getThreadId();
                }
            } catch (NumberFormatException e) {
                // another thread that shares the prefix
            }
        }
    }
}
