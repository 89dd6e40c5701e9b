package io.hotvisor.runtime.sched;

import java.util.ArrayList;
import java.util.List;

/**
 * A bounded record of the slices the scheduler ran: which pCPU ran which domain's vCPU, when, and
 * for how many instructions. Off unless enabled; used to prove scheduling properties (core
 * scheduling's sibling isolation) from what really ran.
 */
public final class ScheduleTrace {
    /** One slice on one pCPU; times are {@link System#nanoTime()} values. */
    public record Slice(int pcpu, int core, int domain, int vcpu, long startNanos, long endNanos, long instructions) {}

    private final int capacity;
    private final List<Slice> slices = new ArrayList<>();

    public ScheduleTrace(int capacity) {
        this.capacity = capacity;
    }

    /** Records a slice; called by the scheduler implementation on its pCPU threads. */
    public synchronized void record(Slice slice) {
        if (slices.size() < capacity) slices.add(slice);
    }

    public synchronized List<Slice> slices() {
        return List.copyOf(slices);
    }
}
