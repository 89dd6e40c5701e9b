package io.hotvisor.runtime.sched.credit2;

import io.hotvisor.runtime.sched.Scheduler;
import io.hotvisor.runtime.sched.Topology;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.ScheduleTrace;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.Vcpu;
import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.state.ImportReport;
import io.hotvisor.runtime.state.Snapshot;
import io.hotvisor.runtime.state.SnapshotFormat;
import io.hotvisor.runtime.state.StateTransfer;
import io.hotvisor.runtime.state.StateTransferException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

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
 *
 * <p>State transfer ({@link StateTransfer}): with every pCPU parked at a rendezvous, or after
 * {@link #stop()}, {@link #exportState()} gives the run queues, credits, counters and per-vCPU
 * accounting as a {@link Credit2Snapshot}; {@link #importState} rebuilds them in a new, not yet
 * started instance of the same topology and granularity, given the live domains by id.
 */
public final class Credit2 implements Scheduler, StateTransfer<Credit2Snapshot, IntFunction<Domain>> {
    /** Snapshot format: version 2 (per-vCPU accounting); version 1 is imported with zero accounting. */
    public static final SnapshotFormat FORMAT = new SnapshotFormat("credit2", 1, 2);

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
    /** Made once: {@link #runOne} passes it on every slice. */
    private final BooleanSupplier preempting;
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
        this.preempting = rendezvous::preempting;
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
            // concat, not +: the first string concatenation by invokedynamic spins method-handle
            // classes for ~6 ms, and this runs on every `hv run`'s way to the guest.
            Thread t = new Thread(body, "pcpu-".concat(Integer.toString(p)));
            t.setDaemon(true);
            threads.add(t);
            rendezvous.enlist(p, t);
            t.start();
        }
    }

    /**
     * Stops the pCPU threads after their current slice. The run queues are kept: the unit a core was
     * running when its barrier broke is charged and put back, so {@link #exportState()} after a stop
     * sees every unit in its queue.
     */
    @Override
    public synchronized void stop() throws InterruptedException {
        if (!alive) return;
        alive = false;
        for (Thread t : threads) {
            // A sibling may reach its barrier after the first reset (it checked alive just before the
            // flag fell), so break the barriers again until every thread has gone.
            while (t.isAlive()) {
                kickAll();
                for (CoreSlot s : coreSlots) if (s != null) s.barrier.reset();
                t.join(10);
            }
        }
        threads.clear();
        for (CoreSlot s : coreSlots) if (s != null) s.putBackCurrent();
    }

    @Override
    public SnapshotFormat format() { return FORMAT; }

    /**
     * The scheduler's state at {@link #FORMAT}'s version. Call with every pCPU parked at a rendezvous
     * or after {@link #stop()}; the scheduler is left as it was.
     *
     * @throws IllegalStateException when a unit is on a pCPU (the scheduler is neither parked nor stopped)
     */
    @Override
    public Credit2Snapshot exportState() {
        List<Credit2Snapshot.Queue> qs = new ArrayList<>();
        for (int c = 0; c < queues.length; c++) qs.add(queues[c].export(c));
        List<Credit2Snapshot.Pcpu> ps = new ArrayList<>();
        synchronized (statsLock) {
            for (int p = 0; p < slices.length; p++) ps.add(new Credit2Snapshot.Pcpu(p, slices[p], instructions[p], busy[p]));
        }
        return new Credit2Snapshot(FORMAT.subsystem(), FORMAT.version(), topology.cores(), topology.threadsPerCore(),
                gran.toString(), sliceInstructions, qs, ps);
    }

    /**
     * Rebuilds the run queues, credits, counters and per-vCPU accounting of {@code from} in this
     * scheduler, which must be new: not started, with no domain inserted, of the snapshot's topology
     * and granularity. Units of a domain {@code domains} no longer has are skipped and reported; every
     * imported domain's kicks come to this scheduler. Call {@link #start()} afterwards.
     *
     * <p>Version 1 snapshots have no per-vCPU accounting: each vCPU starts at zero slices and instructions.
     *
     * @param domains the live domain with an id, or null
     * @throws StateTransferException before anything changed: UNSUPPORTED_VERSION, WRONG_SUBSYSTEM,
     *                                MALFORMED, or INCOMPATIBLE (another topology or granularity, a
     *                                started or non-empty scheduler, a vCPU the domain does not have)
     */
    @Override
    public synchronized ImportReport importState(Snapshot from, IntFunction<Domain> domains) throws StateTransferException {
        Credit2Snapshot s = FORMAT.read(from, Credit2Snapshot.class);
        Topology theirs;
        try {
            theirs = new Topology(s.cores(), s.threadsPerCore());
        } catch (IllegalArgumentException e) {
            throw malformed("credit2 snapshot topology " + s.cores() + "x" + s.threadsPerCore() + ": " + e.getMessage());
        }
        if (!theirs.equals(topology) || !gran.toString().equals(s.granularity())) {
            throw incompatible("credit2 snapshot of a " + theirs + " topology with sched-gran=" + s.granularity()
                    + " cannot be imported into a scheduler of " + topology + " with sched-gran=" + gran
                    + "; the new scheduler must have the old one's topology and granularity");
        }
        if (alive) throw incompatible("credit2 state can only be imported into a scheduler that has not started");
        for (RunQueue q : queues) {
            if (q.size() > 0) throw incompatible("credit2 state can only be imported into a scheduler with no domain inserted");
        }
        if (s.queues().size() != queues.length || s.pcpus().size() != slices.length) {
            throw malformed("credit2 snapshot has " + s.queues().size() + " run queues and " + s.pcpus().size()
                    + " pCPUs for a " + theirs + " topology");
        }
        int per = gran == SchedGran.CORE ? topology.threadsPerCore() : 1;
        List<String> skipped = new ArrayList<>();
        List<List<Unit>> rebuilt = new ArrayList<>();
        Map<Domain, Boolean> imported = new IdentityHashMap<>();
        for (int c = 0; c < queues.length; c++) {
            Credit2Snapshot.Queue q = s.queues().get(c);
            if (q.core() != c) throw malformed("credit2 snapshot lists run queue of core " + q.core() + " in place " + c);
            List<Unit> units = new ArrayList<>();
            for (Credit2Snapshot.Unit u : q.units()) {
                String what = "d" + u.domain() + " vCPUs " + u.vcpus() + " on core " + c;
                if (u.vcpus().isEmpty() || u.vcpus().size() > per) throw malformed("credit2 snapshot unit " + what + " must have 1 to " + per + " vCPUs");
                if (u.accounting() != null && u.accounting().size() != u.vcpus().size()) {
                    throw malformed("credit2 snapshot unit " + what + " has accounting for " + u.accounting().size() + " vCPUs");
                }
                Domain d = domains.apply(u.domain());
                if (d == null) {
                    skipped.add(what + ": the domain no longer exists");
                    continue;
                }
                Vcpu[] members = new Vcpu[u.vcpus().size()];
                for (int m = 0; m < members.length; m++) {
                    int index = u.vcpus().get(m);
                    if (index < 0 || index >= d.vcpus().size()) throw incompatible("credit2 snapshot unit " + what + ": d" + u.domain() + " has no vCPU " + index);
                    members[m] = d.vcpus().get(index);
                    if (u.accounting() != null && u.accounting().get(m).vcpu() != index) {
                        throw malformed("credit2 snapshot unit " + what + ": accounting " + m + " is for vCPU " + u.accounting().get(m).vcpu());
                    }
                }
                Unit unit = new Unit(d, members);
                unit.credit = u.credit();
                unit.lastRun = u.lastRun();
                if (u.accounting() != null) {
                    for (int m = 0; m < members.length; m++) {
                        unit.vcpuSlices[m] = u.accounting().get(m).slices();
                        unit.vcpuInstructions[m] = u.accounting().get(m).instructions();
                    }
                }
                units.add(unit);
                imported.put(d, Boolean.TRUE);
            }
            rebuilt.add(units);
        }
        for (int c = 0; c < queues.length; c++) {
            Credit2Snapshot.Queue q = s.queues().get(c);
            queues[c].restore(rebuilt.get(c), q.sequence(), q.kicks());
        }
        synchronized (statsLock) {
            for (Credit2Snapshot.Pcpu p : s.pcpus()) {
                slices[p.pcpu()] = p.slices();
                instructions[p.pcpu()] = p.instructions();
                busy[p.pcpu()] = p.busyNanos();
            }
        }
        for (Domain d : imported.keySet()) d.setKick(this::kickAll);
        return new ImportReport(FORMAT.subsystem(), s.version(), FORMAT.version(), skipped);
    }

    private static StateTransferException malformed(String message) {
        return new StateTransferException(StateTransferException.Code.MALFORMED, message);
    }

    private static StateTransferException incompatible(String message) {
        return new StateTransferException(StateTransferException.Code.INCOMPATIBLE, message);
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
            Unit u = null;
            try {
                rendezvous.safePoint(pcpu);
                long seen = q.kicks();
                u = q.pick();
                if (u == null) {
                    q.idle(seen);
                    continue;
                }
                long ran = runOne(pcpu, u, 0);
                q.putBack(u, ran);
            } catch (RuntimeException | Error e) {
                if (u != null && u.running) q.putBack(u, 0);
                survive(e);
            }
        }
    }

    /**
     * A throw on a pCPU thread is a hypervisor bug (a bad live patch, typically). The pCPU must not
     * die with it: a dead pCPU never reaches its safe point again, so no rendezvous, and no revert of
     * the patch that broke it, could ever complete. The failure goes to the thread's uncaught-exception
     * handler (which the livepatch health watch observes), and the pCPU carries on after a short pause
     * so that a failure that repeats on every pass does not spin.
     */
    private static void survive(Throwable e) {
        Thread self = Thread.currentThread();
        try {
            self.getUncaughtExceptionHandler().uncaughtException(self, e);
        } catch (RuntimeException ignored) {
            // a broken handler must not take the pCPU down either
        }
        java.util.concurrent.locks.LockSupport.parkNanos(IDLE_NANOS);
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
            try {
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
                slot.executed[thread] = v != null && v.eligible() ? runOne(pcpu, u, thread) : 0;
            } catch (RuntimeException | Error e) {
                survive(e);
            }
        }
    }

    /** Runs member {@code m} of unit {@code u}, which this pCPU alone runs until it is put back. */
    private long runOne(int pcpu, Unit u, int m) {
        Vcpu v = u.vcpus[m];
        long start = System.nanoTime();
        long ran = v.runSlice(sliceInstructions, preempting);
        long end = System.nanoTime();
        v.domain().chargeCap(end - start);
        synchronized (statsLock) {
            slices[pcpu]++;
            instructions[pcpu] += ran;
            busy[pcpu] += end - start;
        }
        // Only this pCPU touches member m while the unit is out of its queue; the queue lock taken
        // when the unit is put back publishes the counts.
        u.vcpuSlices[m]++;
        u.vcpuInstructions[m] += ran;
        if (trace != null) {
            trace.record(new ScheduleTrace.Slice(pcpu, topology.coreOf(pcpu), v.domain().id(), v.index(), start, end, ran));
        }
        return ran;
    }

    /** Per-core state for core scheduling: the unit the whole core runs this slice. */
    private final class CoreSlot {
        final CyclicBarrier barrier;
        final RunQueue queue;
        final long[] executed = new long[topology.threadsPerCore()];
        volatile Unit current;
        volatile boolean toRendezvous;
        volatile long seenKicks;

        CoreSlot(int core) {
            RunQueue q = queues[core];
            queue = q;
            barrier = new CyclicBarrier(topology.threadsPerCore(), () -> {
                Unit prev = current;
                if (prev != null) {
                    long most = 0;
                    for (long e : executed) most = Math.max(most, e);
                    q.putBack(prev, most);
                }
                Arrays.fill(executed, 0);
                toRendezvous = rendezvous.pending();
                seenKicks = q.kicks();
                current = toRendezvous || !alive ? null : q.pick();
            });
        }

        /** After the threads have gone: charges and puts back the unit of the slice the stop interrupted. */
        void putBackCurrent() {
            Unit prev = current;
            if (prev != null) {
                long most = 0;
                for (long e : executed) most = Math.max(most, e);
                queue.putBack(prev, most);
            }
            Arrays.fill(executed, 0);
            current = null;
        }
    }

    /** A scheduling unit: one vCPU, or with core scheduling up to threads-per-core vCPUs of one domain. */
    private static final class Unit {
        final Domain domain;
        final Vcpu[] vcpus;
        /** Per-vCPU accounting, indexed like {@link #vcpus}: slices run and instructions retired. */
        final long[] vcpuSlices, vcpuInstructions;
        long credit = CREDIT_INIT;
        long lastRun;
        boolean running;

        Unit(Domain domain, Vcpu[] vcpus) {
            this.domain = domain;
            this.vcpus = vcpus;
            this.vcpuSlices = new long[vcpus.length];
            this.vcpuInstructions = new long[vcpus.length];
        }

        Credit2Snapshot.Unit export() {
            List<Integer> indexes = new ArrayList<>();
            List<Credit2Snapshot.VcpuAccount> accounting = new ArrayList<>();
            for (int m = 0; m < vcpus.length; m++) {
                indexes.add(vcpus[m].index());
                accounting.add(new Credit2Snapshot.VcpuAccount(vcpus[m].index(), vcpuSlices[m], vcpuInstructions[m]));
            }
            return new Credit2Snapshot.Unit(domain.id(), indexes, credit, lastRun, accounting);
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

        /** @throws IllegalStateException when a unit is on a pCPU: its credit and accounting are in flux */
        Credit2Snapshot.Queue export(int core) {
            lock.lock();
            try {
                List<Credit2Snapshot.Unit> out = new ArrayList<>();
                for (Unit u : units) {
                    if (u.running) {
                        throw new IllegalStateException("d" + u.domain.id() + " vCPU " + u.vcpus[0].index() + " is on a pCPU of core " + core
                                + "; export credit2 state with every pCPU parked at a rendezvous or the scheduler stopped");
                    }
                    out.add(u.export());
                }
                return new Credit2Snapshot.Queue(core, sequence, kicks, out);
            } finally {
                lock.unlock();
            }
        }

        void restore(List<Unit> imported, long sequence, long kicks) {
            lock.lock();
            try {
                units.clear();
                units.addAll(imported);
                this.sequence = sequence;
                this.kicks = kicks;
                work.signalAll();
            } finally {
                lock.unlock();
            }
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
