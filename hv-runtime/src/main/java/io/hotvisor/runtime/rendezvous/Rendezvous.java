package io.hotvisor.runtime.rendezvous;

import io.hotvisor.stopmachine.StopMachine;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Stop-machine for the physical CPUs: parks every pCPU at its safe point, runs an action while no
 * guest instruction executes and no hypercall is in flight, then releases them all.
 *
 * <p>Modelled on Xen's livepatch and microcode rendezvous: the requester signals every pCPU and
 * waits for all of them to arrive within a deadline ({@link StopMachine#DEFAULT_TIMEOUT}). If any
 * is late, the request is withdrawn, everyone who arrived is released, nothing runs, and
 * {@link StopMachine.BusyException} says how many arrived. pCPU threads call {@link #safePoint(int)} between time slices (and while
 * idle); it costs one volatile read when nothing is pending. The scheduler {@link #enlist enlists}
 * each pCPU thread before starting it, so that callers know which threads the rendezvous parks ({@link #pcpuThreads}),
 * and runs the request's {@link StopMachine.Arrival} on itself before it counts as parked.
 *
 * <p>An action may run on the requesting thread ({@link #run}) or once per core on that core's
 * first thread while its siblings stay parked ({@link #runPerCore}), as late microcode loading needs.
 * One rendezvous runs at a time; a second concurrent request is refused as busy.
 */
public final class Rendezvous implements StopMachine {

    private enum Phase { IDLE, GATHER, PARKED, PER_CORE, RELEASED }

    private final boolean ipi;
    private final int cores;
    private final int threadsPerCore;
    private final int pcpus;
    private final ReentrantLock requestLock = new ReentrantLock();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile boolean pending;
    private volatile Runnable onRequest = () -> {};
    private final AtomicReferenceArray<Thread> threads;
    /** The current request's arrival work; guarded by {@link #lock}. */
    private Arrival arrival = Arrival.NONE;
    /** What an arrival threw during the current request; guarded by {@link #lock}. */
    private Throwable arrivalFailure;
    private Phase phase = Phase.IDLE;
    private long generation;
    private int arrived;
    private long firstArrival;
    private CoreAction perCore;
    private boolean[] coreDone;
    private Exception[] coreFailures;
    private int coresDone;
    private Report lastReport;

    /** A rendezvous that cuts running slices short ({@link #preempting()}). */
    public Rendezvous(int cores, int threadsPerCore) {
        this(cores, threadsPerCore, true);
    }

    /**
     * @param ipi whether a request cuts running slices short, as Xen's rendezvous interrupts every
     *            pCPU; off, a pCPU comes only when its slice ends
     */
    public Rendezvous(int cores, int threadsPerCore, boolean ipi) {
        this.ipi = ipi;
        this.cores = cores;
        this.threadsPerCore = threadsPerCore;
        this.pcpus = cores * threadsPerCore;
        this.threads = new AtomicReferenceArray<>(pcpus);
    }

    /**
     * Names the thread that runs pCPU {@code pcpu}; the scheduler calls it before it starts the thread,
     * so {@link #pcpuThreads} is complete as soon as the scheduler has started.
     */
    public void enlist(int pcpu, Thread thread) {
        threads.set(pcpu, thread);
    }

    @Override
    public Set<Thread> pcpuThreads() {
        Set<Thread> out = new LinkedHashSet<>();
        for (int p = 0; p < pcpus; p++) {
            Thread t = threads.get(p);
            if (t != null && t.isAlive()) out.add(t);
        }
        return out;
    }

    /** Hook the scheduler sets so that idle pCPUs wake up and come to their safe point promptly. */
    public void setOnRequest(Runnable hook) { this.onRequest = hook; }

    /** True while a rendezvous is gathering or holding the pCPUs. */
    public boolean pending() { return pending; }

    /**
     * Whether a running slice should end now to come to the safe point: a rendezvous is pending and
     * this one interrupts slices. Schedulers read it between chunks of a slice; one volatile read.
     */
    public boolean preempting() { return ipi && pending; }

    /**
     * Called by pCPU {@code pcpu} at a safe point. Returns at once when nothing is pending; else
     * parks until the rendezvous is released or withdrawn, running the per-core action when this
     * thread is its core's first.
     */
    public void safePoint(int pcpu) {
        if (!pending) return;
        long entered = System.nanoTime();
        lock.lock();
        try {
            if (phase != Phase.GATHER) return;
            long gen = generation;
            if (!arrive(pcpu, gen)) return;
            if (arrived++ == 0 || entered < firstArrival) firstArrival = entered;
            changed.signalAll();
            int core = pcpu / threadsPerCore;
            boolean primary = pcpu % threadsPerCore == 0;
            while (generation == gen && phase != Phase.RELEASED && phase != Phase.IDLE) {
                if (phase == Phase.PER_CORE && primary && !coreDone[core]) {
                    runCore(core);
                    continue;
                }
                changed.awaitUninterruptibly();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the request's arrival work on this pCPU's thread, outside the lock (called and returning
     * with it held). False when the request was withdrawn meanwhile: then this pCPU does not park.
     */
    private boolean arrive(int pcpu, long gen) {
        Arrival a = arrival;
        if (a == Arrival.NONE) return true;
        Throwable failure = null;
        lock.unlock();
        try {
            a.arrive(pcpu);
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            lock.lock();
        }
        if (failure != null && arrivalFailure == null) arrivalFailure = failure;
        return generation == gen && phase == Phase.GATHER;
    }

    /** Runs {@code action} on the calling thread with every pCPU parked. */
    @Override
    public Report run(Action action, Duration timeout, Arrival arrival) throws Exception {
        return execute(action, null, timeout, arrival);
    }

    /** Runs {@code action} once per core, on the core's first thread, with every pCPU parked. */
    @Override
    public Report runPerCore(CoreAction action, Duration timeout) throws Exception {
        return execute(null, action, timeout, Arrival.NONE);
    }

    private Report execute(Action action, CoreAction perCoreAction, Duration timeout, Arrival onArrival) throws Exception {
        if (!requestLock.tryLock()) throw new BusyException("another rendezvous is in progress; retry");
        try {
            long start = System.nanoTime();
            long deadline = start + saturatedNanos(timeout);
            lock.lock();
            try {
                generation++;
                arrived = 0;
                arrival = onArrival;
                arrivalFailure = null;
                phase = Phase.GATHER;
                pending = true;
            } finally {
                lock.unlock();
            }
            onRequest.run();
            lock.lock();
            try {
                while (arrived < pcpus) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        int got = arrived;
                        release();
                        throw new BusyException(String.format(
                                "timed out after %d ms waiting for pCPUs to quiesce: %d of %d arrived; nothing was changed",
                                timeout.toMillis(), got, pcpus));
                    }
                    changed.awaitNanos(left);
                }
                long parked = System.nanoTime();
                Exception failure = null;
                try {
                    if (arrivalFailure != null) {
                        failure = arrivalFailure instanceof Exception x ? x
                                : new IllegalStateException("a pCPU's arrival work failed: " + arrivalFailure, arrivalFailure);
                    } else if (perCoreAction != null) {
                        perCore = perCoreAction;
                        coreDone = new boolean[cores];
                        coreFailures = new Exception[cores];
                        coresDone = 0;
                        phase = Phase.PER_CORE;
                        changed.signalAll();
                        while (coresDone < cores) changed.awaitUninterruptibly();
                        for (Exception e : coreFailures) {
                            if (e != null) { failure = e; break; }
                        }
                    } else {
                        phase = Phase.PARKED;
                        try {
                            action.run();
                        } catch (Exception e) {
                            failure = e;
                        }
                    }
                } finally {
                    // Whatever the action threw, even an Error, every pCPU is released.
                    long end = System.nanoTime();
                    lastReport = new Report(parked - start, end - parked, end - firstArrival);
                    release();
                }
                if (failure != null) throw failure;
                return lastReport;
            } finally {
                lock.unlock();
            }
        } finally {
            requestLock.unlock();
        }
    }

    /** Callers range-check operators' timeouts; this only keeps a huge one from overflowing into the past. */
    private static long saturatedNanos(Duration timeout) {
        return timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT.toNanos() : Math.max(0, timeout.toNanos());
    }

    /** Called with {@link #lock} held. */
    private void runCore(int core) {
        lock.unlock();
        Exception failure = null;
        try {
            perCore.run(core);
        } catch (Exception e) {
            failure = e;
        } finally {
            lock.lock();
        }
        coreDone[core] = true;
        coreFailures[core] = failure;
        coresDone++;
        changed.signalAll();
    }

    /** Called with {@link #lock} held. */
    private void release() {
        pending = false;
        arrival = Arrival.NONE;
        phase = Phase.RELEASED;
        perCore = null;
        changed.signalAll();
    }
}
