package io.hotvisor.runtime.sched.credit2;

import io.hotvisor.runtime.sched.Scheduler;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.state.Snapshot;

import java.util.List;

/**
 * The state of a {@link Credit2} scheduler as plain data, taken with every pCPU parked or stopped:
 * per run queue the units in queue order with their credit and last-run sequence, the queue's
 * counters, per-pCPU counters, and per-vCPU accounting, so a new scheduler can take over without any
 * vCPU losing its place or its history.
 *
 * <p>Versions: 2 adds per-vCPU accounting ({@link Unit#accounting()}); version 1 has none, and
 * {@link Credit2} imports it with every vCPU's accounting at zero.
 *
 * @param granularity       {@code "cpu"} or {@code "core"} ({@link SchedGran#toString()})
 * @param sliceInstructions the exporter's slice, for the record; an importer keeps its own
 * @param queues            one per core, in core order
 * @param pcpus             one per pCPU, in pCPU order
 */
public record Credit2Snapshot(String subsystem, int version, int cores, int threadsPerCore, String granularity,
                              long sliceInstructions, List<Queue> queues, List<Pcpu> pcpus) implements Snapshot {
    public Credit2Snapshot {
        queues = List.copyOf(queues);
        pcpus = List.copyOf(pcpus);
    }

    /**
     * One core's run queue.
     *
     * @param sequence the last-run sequence the queue has handed out
     * @param kicks    wake-ups counted so far
     * @param units    in queue order, which breaks ties between equal credits after last-run
     */
    public record Queue(int core, long sequence, long kicks, List<Unit> units) {
        public Queue {
            units = List.copyOf(units);
        }
    }

    /**
     * A scheduling unit: one vCPU, or with core scheduling up to threads-per-core vCPUs of one domain.
     *
     * @param domain     the domain id
     * @param vcpus      the vCPU indexes, in the order the core's threads run them
     * @param lastRun    the queue sequence at which it last ran (0: never)
     * @param accounting one entry per vCPU of {@code vcpus}, in the same order; null in version 1
     */
    public record Unit(int domain, List<Integer> vcpus, long credit, long lastRun, List<VcpuAccount> accounting) {
        public Unit {
            vcpus = List.copyOf(vcpus);
            accounting = accounting == null ? null : List.copyOf(accounting);
        }
    }

    /** Slices and instructions one vCPU has had from the scheduler (since version 2). */
    public record VcpuAccount(int vcpu, long slices, long instructions) {}

    /** One pCPU's counters, as {@link Scheduler.PcpuStats} reports them. */
    public record Pcpu(int pcpu, long slices, long instructions, long busyNanos) {}
}
