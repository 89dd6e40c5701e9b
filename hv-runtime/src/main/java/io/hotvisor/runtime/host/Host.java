package io.hotvisor.runtime.host;

import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.DomainExit;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.sbi.DomainDirectory;
import io.hotvisor.runtime.sbi.SbiDispatcher;
import io.hotvisor.runtime.sched.Credit2;
import io.hotvisor.runtime.sched.ScheduleTrace;
import io.hotvisor.runtime.sched.Scheduler;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running hypervisor: pCPU threads under a scheduler, the live domains, the rendezvous, and the
 * hypercall dispatcher that ties them together.
 *
 * <p>Thread-safe. Domain ids start at 1 (0 is the host itself, as dom0 is in Xen). A domain that
 * ends (shutdown, crash, destroy) leaves the domain table and the run queues at once, as Xen does
 * with {@code on_shutdown=destroy}; its {@link Domain#exit()} future tells how it ended.
 */
public final class Host implements DomainDirectory, AutoCloseable {
    private static final System.Logger LOG = System.getLogger("hotvisor.host");

    private final HostConfig config;
    private final Rendezvous rendezvous;
    private final Scheduler scheduler;
    private final ScheduleTrace trace;
    private final SbiDispatcher sbi = new SbiDispatcher(this);
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final long startNanos = System.nanoTime();

    public Host(HostConfig config) {
        this.config = config;
        this.rendezvous = new Rendezvous(config.topology().cores(), config.topology().threadsPerCore());
        this.trace = config.traceSlices() > 0 ? new ScheduleTrace(config.traceSlices()) : null;
        this.scheduler = new Credit2(config.topology(), config.schedGran(), config.sliceInstructions(), rendezvous, trace);
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
        if (config.logConsole()) {
            d.console().onLine(line -> LOG.log(System.Logger.Level.INFO, "(d{0} {1}) {2}", id, cfg.name(), line));
        }
        domains.put(id, d);
        d.exit().thenAccept(how -> ended(d, how));
        scheduler.insert(d);
        LOG.log(System.Logger.Level.INFO, "d{0} {1} created: {2} vCPU(s), {3} MiB", id, cfg.name(), cfg.vcpus(), cfg.memory() >> 20);
        return d;
    }

    private void ended(Domain d, DomainExit how) {
        domains.remove(d.id(), d);
        scheduler.remove(d);
        System.Logger.Level level = how.state() == io.hotvisor.runtime.domain.DomainState.CRASHED
                ? System.Logger.Level.WARNING : System.Logger.Level.INFO;
        LOG.log(level, "d{0} {1} {2}: {3}", d.id(), d.name(), how.state().name().toLowerCase(), how.detail());
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

    /** Stops every pCPU; domains still running are destroyed. */
    @Override
    public void close() throws InterruptedException {
        for (Domain d : domains()) d.destroy();
        scheduler.stop();
    }
}
