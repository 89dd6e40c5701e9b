package io.hotvisor.patch.applier.health;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Counters that must keep increasing: per-pCPU instruction or slice counters, per-guest retired
 * instructions. Fails when, while {@code expected} says progress is due (guests are runnable), one
 * counter has not moved for longer than {@code stall}, naming which.
 *
 * <p>Stuck, not starved: when the check is also given each counter's thread CPU time, a counter
 * that stood still counts as stuck only if its thread ran (used at least half the stall in CPU
 * time) and still made no progress: a thread spinning in a bad patch. A thread that did not run
 * (the OS gave the CPU to other work on a loaded machine, or it waited: an idle core-scheduled
 * sibling, a pCPU with nothing to run) is not a sick hypervisor, and reverting a healthy security
 * fix on exactly the busy hosts that need it would be the worse failure: that is a warning, once
 * per stall, never a failure.
 */
public final class ProgressCheck implements HealthCheck {
    private final String what;
    private final Supplier<long[]> counters;
    private final BooleanSupplier expected;
    private final long stallNanos;
    private final LongSupplier nanoTime;
    private final Supplier<long[]> cpuNanos;
    private long[] last;
    private long[] movedAt;
    private long[] cpuAtMove;
    private boolean[] warned;

    /**
     * @param what     names one counter in a reason: {@code "pCPU"} gives "pCPU 2 made no progress ..."
     * @param counters the current values, one per pCPU (or guest), always the same length
     * @param expected whether progress is due now
     * @param stall    how long a counter may stand still
     */
    public ProgressCheck(String what, Supplier<long[]> counters, BooleanSupplier expected, java.time.Duration stall) {
        this(what, counters, expected, stall, System::nanoTime, null);
    }

    /**
     * A check that tells stuck from starved.
     *
     * @param cpuNanos the CPU time each counter's thread has used, same length as the counters;
     *                 -1 where unknown (that counter is judged by its progress alone)
     */
    public ProgressCheck(String what, Supplier<long[]> counters, Supplier<long[]> cpuNanos, BooleanSupplier expected,
                         java.time.Duration stall) {
        this(what, counters, expected, stall, System::nanoTime, Objects.requireNonNull(cpuNanos, "cpuNanos"));
    }

    ProgressCheck(String what, Supplier<long[]> counters, BooleanSupplier expected, java.time.Duration stall, LongSupplier nanoTime,
                  Supplier<long[]> cpuNanos) {
        this.what = Objects.requireNonNull(what, "what");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.stallNanos = stall.toNanos();
        this.nanoTime = nanoTime;
        this.cpuNanos = cpuNanos;
    }

    @Override
    public synchronized void begin() {
        last = counters.get().clone();
        movedAt = new long[last.length];
        Arrays.fill(movedAt, nanoTime.getAsLong());
        cpuAtMove = cpu(last.length);
        warned = new boolean[last.length];
    }

    private long[] cpu(int length) {
        long[] c = cpuNanos == null ? null : cpuNanos.get();
        if (c == null || c.length != length) {
            c = new long[length];
            Arrays.fill(c, -1);
        }
        return c.clone();
    }

    @Override
    public synchronized Result check() {
        long now = nanoTime.getAsLong();
        long[] values = counters.get();
        if (last == null || values.length != last.length) {
            begin();
            return Result.healthy();
        }
        boolean due = expected.getAsBoolean();
        long[] cpu = cpu(values.length);
        String warning = null;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != last[i] || !due) {
                movedAt[i] = now;
                last[i] = values[i];
                cpuAtMove[i] = cpu[i];
                warned[i] = false;
                continue;
            }
            long stalled = now - movedAt[i];
            if (stalled <= stallNanos) {
                continue;
            }
            String stuck = what + " " + i + " made no progress for " + stalled / 1_000_000 + " ms (counter stuck at "
                    + values[i] + ")";
            if (cpu[i] < 0 || cpuAtMove[i] < 0) {
                return Result.failed(stuck);
            }
            long ran = cpu[i] - cpuAtMove[i];
            if (ran >= stallNanos / 2) {
                return Result.failed(stuck + " while its thread ran " + ran / 1_000_000 + " ms of CPU time");
            }
            if (!warned[i]) {
                warned[i] = true;
                warning = stuck + ", but its thread ran only " + ran / 1_000_000 + " ms of CPU time: starved or"
                        + " waiting, not stuck; not reverting";
            }
        }
        return warning == null ? Result.healthy() : Result.warning(warning);
    }
}
