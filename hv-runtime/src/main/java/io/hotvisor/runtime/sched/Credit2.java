package io.hotvisor.runtime.sched;

import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.Vcpu;
import io.hotvisor.runtime.rendezvous.Rendezvous;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A credit2-style scheduler with optional core scheduling.
 *
 * <p>Credit, as in Xen's {@code sched_credit2.c}: each scheduling unit burns credit in inverse
 * proportion to its domain's weight (default 256) while it runs; each run queue (one per core) runs
 * the eligible unit with the most credit; when that unit has none left, every unit of the queue is
 * given a fresh allowance with a capped carry-over. Time is counted in retired guest instructions,
 * so a schedule is reproducible. Caps are a per-domain budget of wall time per period; a domain
 * that exhausted it is not picked until the next period.
 *
 * <p>With {@link SchedGran#CORE} a unit is up to threads-per-core vCPUs of one domain, and the
 * threads of a core meet at a barrier before every slice: one of them charges the previous unit,
 * picks the next one for the whole core, and decides whether the core goes to a pending rendezvous,
 * so siblings never run different domains at once, and never disagree about joining a rendezvous
 * (the deadlock Xen 4.13 had between live patching and core scheduling).
 *
 * <p>Slices are bounded by an instruction budget: the time to quiesce is at most one slice.
 */
public final class Credit2 implements Scheduler {
    /** Credit given at a reset: ten slices' worth at the default slice. */
    static final long CREDIT_INIT = 10 * 100_000L;
    /** Credit carried over a reset at most. */
    static final long CREDIT_CARRY_MAX = CREDIT_INIT / 20;
    static final int DEFAULT_WEIGHT = 256;
    /** Cap accounting period (wall time). */
    static final long CAP_PERIOD_NANOS = 10_000_000L;
    /** Longest an idle pCPU sleeps before looking again (timer deadlines, caps). */
    private static final long IDLE_NANOS = 1_000_000L;

    private final Topology topology;
    private final SchedGran gran;
    private final long sliceInstructions;
    private final Rendezvous rendezvous;
    private final ScheduleTrace trace;
    private final RunQueue[] queues;
    private final CoreSlot[] coreSlots;
    private final List<Thread> threads = new ArrayList<>();
    private final long[] slices, instructions, busy;
    private final Object statsLock = new Object();
    private volatile boolean alive;

    /**
     * @param sliceInstructions guest instructions per time slice
     * @param trace             where to record slices, or null
     */
    public Credit2(Topology topology, SchedGran gran, long sliceInstructions, Rendezvous rendezvous, ScheduleTrace trace) {
        if (sliceInstructions < 1) throw new IllegalArgumentException("slice must be at least one instruction");
        this.topology = topology;
        this.gran = gran;
        this.sliceInstructions = sliceInstructions;
        this.rendezvous = rendezvous;
        this.trace = trace;
        this.queues = new RunQueue[topology.cores()];
        this.coreSlots = new CoreSlot[topology.cores()];
        for (int c = 0; c < queues.length; c++) {
            queues[c] = new RunQueue();
            if (gran == SchedGran.CORE) coreSlots[c] = new CoreSlot(c);
        }
        int n = topology.pcpus();
        slices = new long[n];
        instructions = new long[n];
        busy = new long[n];
        rendezvous.setOnRequest(this::kickAll);
    }

    @Override public Topology topology() { return topology; }
    @Override public SchedGran granularity() { return gran; }

    @Override
    public void insert(Domain domain) {
        int per = gran == SchedGran.CORE ? topology.threadsPerCore() : 1;
        List<Vcpu> vcpus = domain.vcpus();
        for (int i = 0; i < vcpus.size(); i += per) {
            Vcpu[] members = vcpus.subList(i, Math.min(i + per, vcpus.size())).toArray(new Vcpu[0]);
            RunQueue q = leastLoaded();
            q.add(new Unit(domain, members));
        }
        domain.setKick(this::kickAll);
    }

    @Override
    public void remove(Domain domain) {
        for (RunQueue q : queues) q.removeDomain(domain);
    }

    @Override
    public synchronized void start() {
        if (alive) return;
        alive = true;
        for (int p = 0; p < topology.pcpus(); p++) {
            int pcpu = p;
            Runnable body = gran == SchedGran.CORE ? () -> coreLoop(pcpu) : () -> cpuLoop(pcpu);
            Thread t = new Thread(body, "pcpu-" + p);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public synchronized void stop() throws InterruptedException {
        if (!alive) return;
        alive = false;
        kickAll();
        for (CoreSlot s : coreSlots) if (s != null) s.barrier.reset();
        for (Thread t : threads) t.join();
        threads.clear();
    }

    @Override
    public List<PcpuStats> pcpuStats() {
        List<PcpuStats> out = new ArrayList<>();
        for (int p = 0; p < topology.pcpus(); p++) {
            synchronized (statsLock) {
                out.add(new PcpuStats(p, topology.coreOf(p), slices[p], instructions[p], busy[p]));
            }
        }
        return out;
    }

    private void kickAll() {
        for (RunQueue q : queues) q.kick();
    }

    private RunQueue leastLoaded() {
        RunQueue best = queues[0];
        for (RunQueue q : queues) if (q.size() < best.size()) best = q;
        return best;
    }

    private void cpuLoop(int pcpu) {
        RunQueue q = queues[topology.coreOf(pcpu)];
        while (alive) {
            rendezvous.safePoint(pcpu);
            long seen = q.kicks();
            Unit u = q.pick();
            if (u == null) {
                q.idle(seen);
                continue;
            }
            long ran = runOne(pcpu, u.vcpus[0]);
            q.putBack(u, ran);
        }
    }

    private void coreLoop(int pcpu) {
        int core = topology.coreOf(pcpu);
        int thread = pcpu % topology.threadsPerCore();
        CoreSlot slot = coreSlots[core];
        RunQueue q = queues[core];
        while (alive) {
            try {
                slot.barrier.await();
            } catch (BrokenBarrierException e) {
                if (!alive) return;
                continue; // a sibling left the barrier while stopping; start over
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (slot.toRendezvous) {
                rendezvous.safePoint(pcpu);
                continue;
            }
            Unit u = slot.current;
            if (u == null) {
                q.idle(slot.seenKicks);
                continue;
            }
            Vcpu v = thread < u.vcpus.length ? u.vcpus[thread] : null;
            slot.executed[thread] = v != null && v.eligible() ? runOne(pcpu, v) : 0;
        }
    }

    private long runOne(int pcpu, Vcpu v) {
        long start = System.nanoTime();
        long ran = v.runSlice(sliceInstructions);
        long end = System.nanoTime();
        v.domain().chargeCap(end - start);
        synchronized (statsLock) {
            slices[pcpu]++;
            instructions[pcpu] += ran;
            busy[pcpu] += end - start;
        }
        if (trace != null) {
            trace.record(new ScheduleTrace.Slice(pcpu, topology.coreOf(pcpu), v.domain().id(), v.index(), start, end, ran));
        }
        return ran;
    }

    /** Per-core state for core scheduling: the unit the whole core runs this slice. */
    private final class CoreSlot {
        final CyclicBarrier barrier;
        final long[] executed = new long[topology.threadsPerCore()];
        volatile Unit current;
        volatile boolean toRendezvous;
        volatile long seenKicks;

        CoreSlot(int core) {
            RunQueue q = queues[core];
            barrier = new CyclicBarrier(topology.threadsPerCore(), () -> {
                Unit prev = current;
                if (prev != null) {
                    long most = 0;
                    for (long e : executed) most = Math.max(most, e);
                    q.putBack(prev, most);
                }
                java.util.Arrays.fill(executed, 0);
                toRendezvous = rendezvous.pending();
                seenKicks = q.kicks();
                current = toRendezvous || !alive ? null : q.pick();
            });
        }
    }

    /** A scheduling unit: one vCPU, or with core scheduling up to threads-per-core vCPUs of one domain. */
    private static final class Unit {
        final Domain domain;
        final Vcpu[] vcpus;
        long credit = CREDIT_INIT;
        long lastRun;
        boolean running;

        Unit(Domain domain, Vcpu[] vcpus) {
            this.domain = domain;
            this.vcpus = vcpus;
        }

        boolean eligible(long now) {
            if (running || !domain.schedulable()) return false;
            boolean any = false;
            for (Vcpu v : vcpus) {
                if (v.eligible()) { any = true; break; }
            }
            return any && domain.capAllows(now, CAP_PERIOD_NANOS);
        }
    }

    /** One core's run queue; units are few, so a scan under a lock is cheaper than a heap. */
    private static final class RunQueue {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition work = lock.newCondition();
        private final List<Unit> units = new ArrayList<>();
        private long kicks;
        private long sequence;

        void add(Unit u) {
            lock.lock();
            try { units.add(u); work.signalAll(); } finally { lock.unlock(); }
        }

        int size() {
            lock.lock();
            try { return units.size(); } finally { lock.unlock(); }
        }

        void removeDomain(Domain d) {
            lock.lock();
            try { units.removeIf(u -> u.domain == d); } finally { lock.unlock(); }
        }

        Unit pick() {
            long now = System.nanoTime();
            lock.lock();
            try {
                Unit best = null;
                for (Unit u : units) {
                    if (!u.eligible(now)) continue;
                    if (best == null || u.credit > best.credit || (u.credit == best.credit && u.lastRun < best.lastRun)) best = u;
                }
                if (best == null) return null;
                if (best.credit <= 0) {
                    for (Unit u : units) u.credit = Math.min(u.credit + CREDIT_INIT, CREDIT_INIT + CREDIT_CARRY_MAX);
                }
                best.running = true;
                best.lastRun = ++sequence;
                return best;
            } finally {
                lock.unlock();
            }
        }

        void putBack(Unit u, long instructions) {
            lock.lock();
            try {
                u.running = false;
                u.credit -= instructions * DEFAULT_WEIGHT / u.domain.weight();
            } finally {
                lock.unlock();
            }
        }

        long kicks() {
            lock.lock();
            try { return kicks; } finally { lock.unlock(); }
        }

        void kick() {
            lock.lock();
            try { kicks++; work.signalAll(); } finally { lock.unlock(); }
        }

        /** Waits for a kick (unless one came since {@code seen}) or the idle period. */
        void idle(long seen) {
            lock.lock();
            try {
                if (kicks == seen) work.awaitNanos(IDLE_NANOS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        }
    }
}
