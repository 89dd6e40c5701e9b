package io.hotvisor.runtime.domain;

import io.hotvisor.runtime.arch.riscv.Hart;

import java.util.function.BooleanSupplier;

/**
 * A virtual CPU of a domain: its {@link Hart} and its scheduling state.
 *
 * <p>The pCPU that runs it is the only thread that touches the hart while {@link #running} is set;
 * state changes from other threads (wake-ups, HSM start, domain end) go through the volatile
 * {@link #state} and then {@link Domain#kick()} so an idle pCPU notices.
 */
public final class Vcpu {
    /** Scheduling state. */
    public enum State {
        /** Not started (secondary vCPUs until HSM hart_start) or stopped by HSM hart_stop. */
        STOPPED,
        RUNNABLE,
        /** Executed {@code wfi}: waits for an enabled interrupt. */
        WFI,
        /** Blocked in EVTCHN_POLL on {@link #pollPort()}. */
        POLL,
        /** Its domain ended. */
        DONE
    }

    private final Domain domain;
    private final int index;
    private final Hart hart;
    private volatile State state = State.STOPPED;
    private volatile int pollPort;
    private volatile boolean running;
    private long slices;
    private volatile long runNanos;

    Vcpu(Domain domain, int index, Hart.EcallHandler ecalls, Hart.TimeSource time) {
        this.domain = domain;
        this.index = index;
        this.hart = new Hart(index, domain.memory(), ecalls, time);
    }

    public Domain domain() { return domain; }
    public int index() { return index; }
    public Hart hart() { return hart; }
    public State state() { return state; }
    public int pollPort() { return pollPort; }
    public boolean running() { return running; }
    public long slices() { return slices; }
    /** Wall time this vCPU has spent on pCPUs. */
    public long runNanos() { return runNanos; }

    /** Starts this vCPU at {@code entry} (boot, or SBI HSM hart_start). */
    public void start(long entry, long opaque) {
        hart.reset(entry, opaque);
        state = State.RUNNABLE;
        domain.kick();
    }

    /** SBI HSM hart_stop from the vCPU itself. */
    public void stop() { state = State.STOPPED; }

    /** EVTCHN_POLL: blocks until {@code port} is pending. */
    public void blockOnPort(int port) {
        pollPort = port;
        state = State.POLL;
    }

    void end() { state = State.DONE; }

    /** Whether the scheduler may run this vCPU now. Called by schedulers while it is not running. */
    public boolean eligible() {
        return switch (state) {
            case RUNNABLE -> true;
            case WFI -> hart.interruptPendingForWfi();
            case POLL -> domain.eventChannels().isPending(pollPort);
            default -> false;
        };
    }

    /**
     * Runs one slice on the calling pCPU thread.
     *
     * @return instructions retired
     */
    public long runSlice(long budget) {
        return runSlice(budget, () -> false);
    }

    /** Instructions run between two looks at {@code cut} in {@link #runSlice(long, BooleanSupplier)}. */
    public static final long CUT_CHUNK = 4_096;

    /**
     * Runs one slice on the calling pCPU thread, ending it early when {@code cut} turns true: the
     * scheduler passes "a rendezvous is waiting" ({@code Rendezvous.preempting}), so that a pCPU reaches its safe point after at most
     * {@link #CUT_CHUNK} more instructions rather than the rest of its slice. {@code cut} is read
     * between chunks of the slice, never inside the hart's run loop.
     *
     * @return instructions retired
     */
    public long runSlice(long budget, BooleanSupplier cut) {
        State s = state;
        if (s == State.POLL) {
            domain.eventChannels().consume(pollPort);
            state = State.RUNNABLE;
        } else if (s == State.WFI) {
            state = State.RUNNABLE;
        } else if (s != State.RUNNABLE) {
            return 0;
        }
        running = true;
        domain.enterRunning();
        long before = hart.instret();
        long start = System.nanoTime();
        try {
            int exit;
            long ran = 0;
            do {
                exit = hart.run(Math.min(budget - ran, CUT_CHUNK));
                ran = hart.instret() - before;
            } while (exit == Hart.EXIT_BUDGET && ran < budget && !cut.getAsBoolean());
            if (exit == Hart.EXIT_WFI && state == State.RUNNABLE) {
                state = State.WFI;
            } else if (exit == Hart.EXIT_CRASH) {
                domain.crash("vcpu " + index + ": " + hart.crashReason());
            }
        } finally {
            running = false;
            slices++;
            runNanos += System.nanoTime() - start;
            domain.leaveRunning();
        }
        return hart.instret() - before;
    }
}
