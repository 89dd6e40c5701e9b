package io.hotvisor.microcode.load;

import io.hotvisor.stopmachine.StopMachine;

import java.time.Duration;

/**
 * A stop-machine for unit tests: runs each core's action in turn on the calling thread, as if every
 * pCPU were parked; can be told to be busy a number of times first.
 */
class FakeStopMachine implements StopMachine {
    private final int cores;
    int busyFirst;
    int calls;
    int actionsRun;

    FakeStopMachine(int cores) {
        this.cores = cores;
    }

    @Override
    public Report run(Action action, Duration timeout, Arrival arrival) throws Exception {
        throw new UnsupportedOperationException("late loading runs per core");
    }

    @Override
    public Report runPerCore(CoreAction action, Duration timeout) throws Exception {
        calls++;
        if (busyFirst > 0) {
            busyFirst--;
            throw new BusyException("timed out after " + timeout.toMillis() + " ms waiting for pCPUs to quiesce: 3 of 4 arrived; nothing was changed");
        }
        for (int c = 0; c < cores; c++) {
            action.run(c);
            actionsRun++;
        }
        return new Report(100_000, 200_000, 300_000);
    }
}
