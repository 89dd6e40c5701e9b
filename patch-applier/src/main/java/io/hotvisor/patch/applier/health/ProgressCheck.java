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
 * <p>The host chooses counters that move whenever their pCPU is alive (an idle pCPU retires no
 * guest instruction: feed such pCPUs a safe-point or idle-loop counter, or only the busy ones).
 */
public final class ProgressCheck implements HealthCheck {
    private final String what;
    private final Supplier<long[]> counters;
    private final BooleanSupplier expected;
    private final long stallNanos;
    private final LongSupplier nanoTime;
    private long[] last;
    private long[] movedAt;

    /**
     * @param what     names one counter in a reason: {@code "pCPU"} gives "pCPU 2 made no progress ..."
     * @param counters the current values, one per pCPU (or guest), always the same length
     * @param expected whether progress is due now
     * @param stall    how long a counter may stand still
     */
    public ProgressCheck(String what, Supplier<long[]> counters, BooleanSupplier expected, java.time.Duration stall) {
        this(what, counters, expected, stall, System::nanoTime);
    }

    ProgressCheck(String what, Supplier<long[]> counters, BooleanSupplier expected, java.time.Duration stall, LongSupplier nanoTime) {
        this.what = Objects.requireNonNull(what, "what");
        this.counters = Objects.requireNonNull(counters, "counters");
        this.expected = Objects.requireNonNull(expected, "expected");
        this.stallNanos = stall.toNanos();
        this.nanoTime = nanoTime;
    }

    @Override
    public synchronized void begin() {
        last = counters.get().clone();
        movedAt = new long[last.length];
        Arrays.fill(movedAt, nanoTime.getAsLong());
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
        for (int i = 0; i < values.length; i++) {
            if (values[i] != last[i] || !due) {
                movedAt[i] = now;
                last[i] = values[i];
            } else if (now - movedAt[i] > stallNanos) {
                return Result.failed(what + " " + i + " made no progress for " + (now - movedAt[i]) / 1_000_000
                        + " ms (counter stuck at " + values[i] + ")");
            }
        }
        return Result.healthy();
    }
}
