package io.hotvisor.runtime.host;

import io.hotvisor.control.Taints;
import io.hotvisor.log.HostLog;
import io.hotvisor.runtime.console.ConsoleLogLimit;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.sbi.DomainDirectory;
import io.hotvisor.runtime.sbi.SbiDispatcher;
import io.hotvisor.runtime.sched.ScheduleTrace;
import io.hotvisor.runtime.sched.Scheduler;
import io.hotvisor.runtime.sched.SchedulerFactory;
import io.hotvisor.runtime.state.EncodedSnapshot;
import io.hotvisor.runtime.state.ImportReport;
import io.hotvisor.runtime.state.SnapshotCodec;
import io.hotvisor.runtime.state.StateTransfer;
import io.hotvisor.runtime.state.StateTransferException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A running hypervisor: pCPU threads under a scheduler, the live domains, the rendezvous, and the
 * hypercall dispatcher that ties them together.
 *
 * <p>Thread-safe. Domain ids start at 1 (0 is the host itself, as dom0 is in Xen). A domain that
 * ends (shutdown, crash, destroy) leaves the domain table and the run queues at once, as Xen does
 * with {@code on_shutdown=destroy}; its {@link Domain#exit()} future tells how it ended.
 */
public final class Host implements DomainDirectory, AutoCloseable {
    private static final System.Logger LOG = HostLog.get("hotvisor.host");

    private final HostConfig config;
    private final Rendezvous rendezvous;
    /** Replaced only by a {@link SchedulerHandover}, under {@link #schedLock}. */
    private volatile Scheduler scheduler;
    /** Held while domains enter the scheduler and across a scheduler handover. */
    private final ReentrantLock schedLock = new ReentrantLock();
    private final java.util.Set<Domain> endedDuringHandover = ConcurrentHashMap.newKeySet();
    private final ScheduleTrace trace;
    private final SbiDispatcher sbi = new SbiDispatcher(this);
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final long startNanos = System.nanoTime();
    private final Taints taints = new Taints();
    private volatile List<BootDomains.Outcome> bootDomains = List.of();

    /** A host with the default scheduler ({@link SchedulerFactory#DEFAULT}), found on this class's class path. */
    public Host(HostConfig config) {
        this(config, SchedulerFactory.load(SchedulerFactory.DEFAULT, name -> Class.forName(name, true, Host.class.getClassLoader())));
    }

    /** A host whose scheduler {@code schedulers} makes (inside OSGi: the scheduler bundle's factory). */
    public Host(HostConfig config, SchedulerFactory schedulers) {
        this.config = config;
        this.rendezvous = new Rendezvous(config.topology().cores(), config.topology().threadsPerCore(), config.rendezvousIpi());
        this.trace = config.traceSlices() > 0 ? new ScheduleTrace(config.traceSlices()) : null;
        this.scheduler = newScheduler(schedulers);
    }

    private Scheduler newScheduler(SchedulerFactory schedulers) {
        return schedulers.create(config.topology(), config.schedGran(), config.sliceInstructions(), rendezvous, trace);
    }

    /** Starts the pCPU threads. */
    public Host start() {
        scheduler.start();
        LOG.log(System.Logger.Level.INFO, "host started: {0} pCPUs ({1}), sched-gran={2}",
                config.topology().pcpus(), config.topology(), config.schedGran());
        return this;
    }

    public HostConfig config() { return config; }
    public Rendezvous rendezvous() { return rendezvous; }
    /** The host's taint flags: set by the subsystems that change the running host, kept until restart. */
    public Taints taints() { return taints; }
    /** What became of the boot domains ({@code host.cfg}'s {@code boot-domains}); empty when there are none. */
    public List<BootDomains.Outcome> bootDomains() { return bootDomains; }
    /** Set once, by {@link BootDomains#start}. */
    void bootDomains(List<BootDomains.Outcome> outcomes) { this.bootDomains = List.copyOf(outcomes); }
    public Scheduler scheduler() { return scheduler; }
    /** The schedule trace, or null when tracing is off. */
    public ScheduleTrace trace() { return trace; }
    public long uptimeNanos() { return System.nanoTime() - startNanos; }

    /** Guest timebase: 10 MHz, as on QEMU's virt machine. */
    long timebase() {
        return (System.nanoTime() - startNanos) / 100;
    }

    /**
     * Creates a domain from its config and loads its image. The domain starts paused, as with
     * {@code xl create -p}, so callers can attach to its console first; {@link Domain#boot()} starts it.
     *
     * @throws ElfFormatException       when the image cannot be loaded
     * @throws IllegalArgumentException when the name is taken
     */
    public synchronized Domain create(DomainConfig cfg) throws ElfFormatException {
        if (byName(cfg.name()) != null) throw new IllegalArgumentException("a domain named '" + cfg.name() + "' already exists");
        int id = nextId.getAndIncrement();
        Domain d = new Domain(id, cfg, sbi::handlerFor, this::timebase);
        if (config.engine() == Engine.TRANSLATOR) d.useTranslator(config.translateAfter());
        if (config.logConsole()) {
            // Rate-limited: a guest printing in a loop must not flood the host log (its ring keeps everything).
            ConsoleLogLimit limit = new ConsoleLogLimit(id, line -> LOG.log(System.Logger.Level.INFO, "(d{0} {1}) {2}", id, cfg.name(), line),
                    summary -> LOG.log(System.Logger.Level.WARNING, summary));
            d.console().onLine(limit);
            d.exit().thenRun(limit::flush);
        }
        schedLock.lock();
        try {
            domains.put(id, d);
            d.exit().thenAccept(how -> ended(d, how));
            scheduler.insert(d);
        } finally {
            schedLock.unlock();
        }
        LOG.log(System.Logger.Level.INFO, "d{0} {1} created: {2} vCPU(s), {3} MiB", id, cfg.name(), cfg.vcpus(), cfg.memory() >> 20);
        return d;
    }

    private void ended(Domain d, DomainExit how) {
        domains.remove(d.id(), d);
        if (schedLock.isLocked()) endedDuringHandover.add(d);
        scheduler.remove(d);
        System.Logger.Level level = how.state() == io.hotvisor.runtime.domain.DomainState.CRASHED
                ? System.Logger.Level.WARNING : System.Logger.Level.INFO;
        LOG.log(level, "d{0} {1} {2}: {3}", d.id(), d.name(), how.state().name().toLowerCase(), how.detail());
    }

    /**
     * Drops every domain's translated guest code, so that nothing translated before now runs again:
     * the livepatch agent calls it after patching the translator or the interpreter, while every
     * pCPU is parked in the rendezvous. Thread-safe at any time; a pCPU in the middle of a block
     * finishes that block first.
     */
    public void invalidateTranslations() {
        for (Domain d : domains.values()) d.invalidateTranslations();
    }

    /** Live domains, by id. */
    public List<Domain> domains() {
        List<Domain> list = new ArrayList<>(domains.values());
        list.sort(Comparator.comparingInt(Domain::id));
        return list;
    }

    @Override
    public Domain byId(long id) {
        return id < 0 || id > Integer.MAX_VALUE ? null : domains.get((int) id);
    }

    @Override
    public Domain byName(String name) {
        for (Domain d : domains.values()) if (d.name().equals(name)) return d;
        return null;
    }

    /**
     * Stops the scheduler for a replacement and exports its state: every pCPU finishes its slice
     * and its thread ends, so no code of the old implementation stays on any stack. Domains cannot
     * be created until the handover is {@linkplain SchedulerHandover#close() closed}; the calling
     * thread must make every call on the handover.
     *
     * @throws StateTransferException when the scheduler cannot export its state (it is then
     *                                running again, unchanged)
     */
    public SchedulerHandover beginSchedulerHandover() throws StateTransferException, InterruptedException {
        schedLock.lock();
        long stopped = System.nanoTime();
        Scheduler old = scheduler;
        try {
            if (!(old instanceof StateTransfer<?, ?> transfer)) {
                throw new StateTransferException(StateTransferException.Code.INCOMPATIBLE, "the running scheduler "
                        + old.getClass().getName() + " does not implement state transfer, so it cannot be replaced");
            }
            old.stop();
            long quiesced = System.nanoTime() - stopped;
            EncodedSnapshot snapshot = SnapshotCodec.read(SnapshotCodec.write(transfer.exportState()));
            return new SchedulerHandover(old, snapshot, stopped, quiesced);
        } catch (StateTransferException | RuntimeException | Error e) {
            old.start();
            schedLock.unlock();
            throw e;
        }
    }

    /**
     * A scheduler replacement in progress (see {@link #beginSchedulerHandover()}): the old scheduler
     * is stopped and its state exported; {@link #complete} starts the next one with that state, and
     * if nothing can take over, {@link #resumeOld()} starts the old one again as it was.
     */
    public final class SchedulerHandover implements AutoCloseable {
        private final Scheduler old;
        private final EncodedSnapshot snapshot;
        private final long stoppedAt;
        private final long quiesceNanos;
        private Scheduler next;
        private long resumedAt;

        private SchedulerHandover(Scheduler old, EncodedSnapshot snapshot, long stoppedAt, long quiesceNanos) {
            this.old = old;
            this.snapshot = snapshot;
            this.stoppedAt = stoppedAt;
            this.quiesceNanos = quiesceNanos;
        }

        /** How long the pCPUs took to finish their slices and stop. */
        public long quiesceNanos() {
            return quiesceNanos;
        }

        /** The old scheduler's exported state. */
        public EncodedSnapshot snapshot() {
            return snapshot;
        }

        /**
         * Makes a scheduler with {@code schedulers}, imports the snapshot into it and starts it; the
         * host uses it from then on. On failure nothing was started and the handover can try again
         * (with the previous version's factory, say) or {@link #resumeOld()}.
         *
         * @throws StateTransferException when the new scheduler refuses the snapshot
         */
        public ImportReport complete(SchedulerFactory schedulers) throws StateTransferException {
            if (next != null) throw new IllegalStateException("the handover is complete already");
            Scheduler candidate = newScheduler(schedulers);
            if (!(candidate instanceof StateTransfer<?, ?> transfer)) {
                throw new StateTransferException(StateTransferException.Code.INCOMPATIBLE, "the new scheduler "
                        + candidate.getClass().getName() + " does not implement state transfer");
            }
            @SuppressWarnings("unchecked")
            StateTransfer<?, java.util.function.IntFunction<Domain>> importer =
                    (StateTransfer<?, java.util.function.IntFunction<Domain>>) transfer;
            ImportReport report;
            try {
                report = importer.importState(snapshot, id -> domains.get(id));
            } catch (RuntimeException | LinkageError e) {
                throw new StateTransferException(StateTransferException.Code.MALFORMED, "the new scheduler's import failed: " + e, e);
            }
            scheduler = candidate;
            // A domain that ended during the handover left the old scheduler, perhaps after the export.
            for (Domain d : endedDuringHandover) candidate.remove(d);
            endedDuringHandover.clear();
            next = candidate;
            candidate.start();
            resumedAt = System.nanoTime();
            LOG.log(System.Logger.Level.INFO, "scheduler replaced: {0} took over from {1} ({2})",
                    describe(candidate), describe(old), report);
            return report;
        }

        /** Starts the old scheduler again, unchanged: the fallback when no new one could take over. */
        public void resumeOld() {
            if (next != null) throw new IllegalStateException("the handover is complete already");
            next = old;
            old.start();
            resumedAt = System.nanoTime();
            LOG.log(System.Logger.Level.WARNING, "scheduler handover abandoned: {0} resumed", describe(old));
        }

        /** How long guests did not run: from the stop until a scheduler started again (0 until then). */
        public long pauseNanos() {
            return resumedAt == 0 ? 0 : resumedAt - stoppedAt;
        }

        /** Ends the handover; one not completed resumes the old scheduler first. */
        @Override
        public void close() {
            try {
                if (next == null) resumeOld();
            } finally {
                schedLock.unlock();
            }
        }
    }

    private static String describe(Scheduler s) {
        Class<?> type = s.getClass();
        ClassLoader loader = type.getClassLoader();
        return type.getName() + "@" + (loader == null ? "boot" : Integer.toHexString(System.identityHashCode(loader)));
    }

    /** Stops every pCPU; domains still running are destroyed. */
    @Override
    public void close() throws InterruptedException {
        for (Domain d : domains()) d.destroy();
        scheduler.stop();
    }
}
