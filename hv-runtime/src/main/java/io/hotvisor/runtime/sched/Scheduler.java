package io.hotvisor.runtime.sched;

import io.hotvisor.runtime.domain.Domain;

import java.util.List;

/**
 * The scheduler operations the host drives, like Xen's ops table in {@code common/sched/core.c}:
 * domains are inserted and removed; the scheduler owns the pCPU threads that run their vCPUs.
 *
 * <p>Implementations must call {@link io.hotvisor.runtime.rendezvous.Rendezvous#enlist(int, Thread)} with
 * each pCPU's thread before starting it, and {@link io.hotvisor.runtime.rendezvous.Rendezvous#safePoint(int)} on
 * every pCPU between slices and while idle.
 */
public interface Scheduler {
    /** Adds a domain's vCPUs to the run queues; they run once the domain is booted or unpaused. */
    void insert(Domain domain);

    /** Removes an ended domain's vCPUs from the run queues. */
    void remove(Domain domain);

    /** Starts the pCPU threads. */
    void start();

    /** Stops the pCPU threads and waits for them to finish their current slice. */
    void stop() throws InterruptedException;

    Topology topology();

    SchedGran granularity();

    /** Per-pCPU counters, indexed by pCPU id. */
    List<PcpuStats> pcpuStats();

    /** Counters of one pCPU: slices run, instructions retired, time spent running guests. */
    record PcpuStats(int pcpu, int core, long slices, long instructions, long busyNanos) {}
}
