package io.hotvisor.microcode.load;

import java.time.Duration;

/**
 * The one thing late loading needs from the hypervisor: park every pCPU at a safe point within a
 * deadline, run an action once per core on that core's first thread while its siblings stay parked,
 * release them all, and say how long guests stood still. {@link RendezvousStopMachine} is the real
 * one; tests may fake it.
 */
public interface PerCoreStopMachine {

    /** Work done on a core's first thread while every pCPU is parked. */
    @FunctionalInterface
    interface CoreAction {
        void run(int core) throws Exception;
    }

    /**
     * Timings of one stop-machine.
     *
     * @param quiesceNanos from the request until the last pCPU parked
     * @param windowNanos from the last pCPU parking until release: the loads' own time
     * @param pauseNanos from the first pCPU parking until release: the longest any guest stood still
     */
    record Report(long quiesceNanos, long windowNanos, long pauseNanos) {
    }

    /** Not every pCPU parked in time (or another stop-machine was running): nothing ran. */
    final class BusyException extends Exception {
        private static final long serialVersionUID = 1L;

        public BusyException(String message) {
            super(message);
        }
    }

    /**
     * Runs {@code action} once per core with every pCPU parked.
     *
     * @throws BusyException when the pCPUs did not all park within {@code timeout}; nothing ran
     * @throws Exception what an action threw (every core's action still ran)
     */
    Report runPerCore(CoreAction action, Duration timeout) throws BusyException, Exception;
}
