package io.hotvisor.stopmachine;

import java.time.Duration;
import java.util.Set;

/**
 * Stop-machine: park every physical CPU at its safe point within a deadline, run an action while
 * no guest instruction executes and no hypercall is in flight, release them all, and say how long
 * guests stood still (Xen's livepatch and microcode rendezvous).
 *
 * <p>Contract, for every implementation:
 * <ul>
 *   <li>If not every pCPU parks within the timeout, or another stop-machine is running, nothing
 *       runs, every pCPU that arrived is released, and {@link BusyException} says so (Xen's
 *       {@code -EBUSY}); the caller may retry.</li>
 *   <li>Whatever the action throws, even an {@link Error}, every pCPU is released before the
 *       exception reaches the caller.</li>
 *   <li>One stop-machine at a time; the default timeout is {@link #DEFAULT_TIMEOUT}.</li>
 * </ul>
 *
 * <p>The livepatch agent and late microcode loading depend on this interface only; the host's
 * implementation is hv-runtime's {@code Rendezvous}.
 */
public interface StopMachine {
    /** Xen's default quiesce timeout, the one default for every caller. */
    Duration DEFAULT_TIMEOUT = Duration.ofMillis(30);
    /** The longest timeout an operator may ask for. */
    Duration MAX_TIMEOUT = Duration.ofHours(1);

    /** Work done on the requesting thread while every pCPU is parked. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /**
     * Work each pCPU does on its own thread when it reaches its safe point for a stop-machine, before
     * it counts as parked: what only that thread can see cheaply, such as its own stack. Every pCPU
     * runs it once per stop-machine, all of them before the action runs; it must not block. One that
     * throws withdraws the stop-machine: the action does not run and the caller gets the exception.
     */
    @FunctionalInterface
    interface Arrival {
        /** Nothing to do on arrival. */
        Arrival NONE = pcpu -> { };

        void arrive(int pcpu);
    }

    /** Work done once per core, on the core's first thread, while every pCPU is parked. */
    @FunctionalInterface
    interface CoreAction {
        void run(int core) throws Exception;
    }

    /**
     * Timings of one completed stop-machine.
     *
     * @param quiesceNanos from the request until the last pCPU parked
     * @param windowNanos  from the last pCPU parking until release: the action's own time
     * @param pauseNanos   from the first pCPU parking until release: the longest any guest stood still
     */
    record Report(long quiesceNanos, long windowNanos, long pauseNanos) {
    }

    /** Not every pCPU parked in time, or another stop-machine was running: nothing ran. */
    final class BusyException extends Exception {
        private static final long serialVersionUID = 1L;

        public BusyException(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code action} on the calling thread with every pCPU parked.
     *
     * @throws BusyException when the pCPUs did not all park within {@code timeout}; nothing ran
     * @throws Exception     what the action threw, after the pCPUs were released
     */
    default Report run(Action action, Duration timeout) throws Exception {
        return run(action, timeout, Arrival.NONE);
    }

    /**
     * Runs {@code action} on the calling thread with every pCPU parked, each pCPU having run
     * {@code arrival} on its own thread first.
     *
     * @throws BusyException when the pCPUs did not all park within {@code timeout}; nothing ran
     * @throws Exception     what an arrival threw (the action did not run), or what the action threw,
     *                       after the pCPUs were released
     */
    Report run(Action action, Duration timeout, Arrival arrival) throws Exception;

    /**
     * The threads that park as pCPUs: the ones whose own stacks an {@link Arrival} sees. Every other
     * thread keeps running through a stop-machine. Empty when the implementation does not know them.
     */
    default Set<Thread> pcpuThreads() {
        return Set.of();
    }

    /**
     * Runs {@code action} once per core with every pCPU parked (late microcode loading).
     *
     * @throws BusyException when the pCPUs did not all park within {@code timeout}; nothing ran
     * @throws Exception     what a core's action threw (every core's action still ran)
     */
    Report runPerCore(CoreAction action, Duration timeout) throws Exception;

    /**
     * An operator's timeout, checked: null means the default; anything outside 1 ms .. 1 h is
     * refused with a message that says the range.
     *
     * @throws IllegalArgumentException when out of range
     */
    static Duration checkedTimeout(Duration requested) {
        if (requested == null) {
            return DEFAULT_TIMEOUT;
        }
        if (requested.compareTo(Duration.ofMillis(1)) < 0 || requested.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout " + requested.toMillis() + " ms is outside 1 ms .. "
                    + MAX_TIMEOUT.toMillis() + " ms");
        }
        return requested;
    }
}
