package io.hotvisor.runtime.domain;

import io.hotvisor.runtime.arch.riscv.Hart;
import io.hotvisor.runtime.arch.riscv.TranslationCache;
import io.hotvisor.runtime.console.ConsoleRing;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.elf.ElfImage;
import io.hotvisor.runtime.evtchn.EventChannelTable;
import io.hotvisor.runtime.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A guest: its RAM, vCPUs, console and event channels, and its life cycle.
 *
 * <p>Thread-safe. State transitions are serialised on the domain; the end of a domain (shutdown,
 * crash, destroy) happens once, completes {@link #exit()} and stops every vCPU at its next slice end.
 */
public final class Domain {
    private final int id;
    private final DomainConfig config;
    private final GuestMemory memory;
    private final List<Vcpu> vcpus;
    private final ConsoleRing console = new ConsoleRing();
    private final EventChannelTable eventChannels;
    private final CompletableFuture<DomainExit> exit = new CompletableFuture<>();
    private final long entry;
    private volatile TranslationCache translations;
    private final long createdNanos = System.nanoTime();
    private volatile DomainState state = DomainState.PAUSED;
    private volatile boolean booted;
    private volatile Runnable kick = () -> {};
    private volatile int weight;
    private volatile int cap;
    private int runningVcpus;
    private long capBudgetNanos;
    private long capPeriodStart;
    private boolean capPeriodStarted;
    private final Object capLock = new Object();

    /**
     * Creates a paused domain with the guest image loaded and vCPU 0 ready at its entry point.
     *
     * @param ecalls builds the hypercall handler of each vCPU
     * @throws ElfFormatException when the image is not a loadable RV64 executable for this RAM size
     */
    public Domain(int id, DomainConfig config, Function<Vcpu, Hart.EcallHandler> ecalls, Hart.TimeSource time)
            throws ElfFormatException {
        this.id = id;
        this.config = config;
        this.weight = config.weight();
        this.cap = config.cap();
        this.memory = new GuestMemory(config.memory());
        ElfImage image = ElfImage.parse(config.image());
        image.load(config.image(), memory);
        this.entry = image.entry();
        this.eventChannels = new EventChannelTable(id, this::kick);
        List<Vcpu> list = new ArrayList<>();
        for (int i = 0; i < config.vcpus(); i++) {
            Vcpu[] self = new Vcpu[1];
            Vcpu v = new Vcpu(this, i, hart -> ecalls.apply(self[0]).ecall(hart), time);
            self[0] = v;
            list.add(v);
        }
        this.vcpus = List.copyOf(list);
        vcpus.get(0).hart().reset(entry, 0);
    }

    /**
     * Runs this domain's vCPUs through translated blocks, one cache for all of them, each block
     * translated once the interpreter has run it {@code translateAfter} times. Call it before
     * {@link #boot()}; without it the domain only interprets.
     */
    public void useTranslator(int translateAfter) {
        TranslationCache cache = new TranslationCache(memory, translateAfter);
        translations = cache;
        for (Vcpu v : vcpus) v.hart().useTranslations(cache);
    }

    /** Drops every translated block of this domain (a live patch changed how guest code runs). */
    public void invalidateTranslations() {
        TranslationCache cache = translations;
        if (cache != null) cache.invalidateAll();
    }

    /** The domain's translated blocks, or null when it only interprets. */
    public TranslationCache translations() { return translations; }

    public int id() { return id; }
    public String name() { return config.name(); }
    public DomainConfig config() { return config; }
    public GuestMemory memory() { return memory; }
    public List<Vcpu> vcpus() { return vcpus; }
    public ConsoleRing console() { return console; }
    public EventChannelTable eventChannels() { return eventChannels; }
    public DomainState state() { return state; }
    public CompletableFuture<DomainExit> exit() { return exit; }
    public int weight() { return weight; }
    public int cap() { return cap; }
    public long uptimeNanos() { return System.nanoTime() - createdNanos; }

    /** Sets credit2 parameters (xl sched-credit2 -w/-c). */
    public void adjust(int newWeight, int newCap) {
        if (newWeight < 1 || newWeight > 65535) throw new IllegalArgumentException("weight must be between 1 and 65535");
        if (newCap < 0) throw new IllegalArgumentException("cap must be 0 or a positive percentage");
        weight = newWeight;
        cap = newCap;
    }

    /** The scheduler's hook, called when a vCPU of this domain may have become runnable. */
    public void setKick(Runnable kick) { this.kick = kick; }

    /** Tells the scheduler that a vCPU of this domain may have become runnable (an IPI, an event). */
    public void kick() { kick.run(); }

    /** Starts the guest: vCPU 0 runs from the ELF entry point. */
    public void boot() {
        synchronized (this) {
            if (booted || state != DomainState.PAUSED) return;
            booted = true;
            state = DomainState.RUNNING;
        }
        // Outside the domain's monitor: starting a vCPU kicks the run queues, whose locks are
        // held while the scheduler consults domains.
        vcpus.get(0).start(entry, 0);
    }

    /** True when the scheduler may run vCPUs of this domain. */
    public boolean schedulable() { return state == DomainState.RUNNING; }

    /**
     * Pauses the domain and waits until none of its vCPUs is on a pCPU (at most one slice).
     *
     * @return false when the domain has already ended
     */
    public boolean pause() throws InterruptedException {
        synchronized (this) {
            if (state.ended()) return false;
            state = DomainState.PAUSED;
            while (runningVcpus > 0) wait();
        }
        return true;
    }

    /** Unpauses the domain; a domain created paused and never booted boots now. @return false when it has ended */
    public boolean unpause() {
        synchronized (this) {
            if (state.ended()) return false;
            if (booted) state = DomainState.RUNNING;
        }
        if (!booted) boot();
        kick();
        return true;
    }

    /** SBI SRST shutdown from the guest. */
    public void shutdown(long reason) {
        end(new DomainExit(DomainState.SHUTDOWN, reason,
                reason == DomainExit.REASON_NONE ? "shutdown" : reason == DomainExit.REASON_SYSTEM_FAILURE ? "shutdown: system failure" : "shutdown: reason " + reason));
    }

    /** The guest took a fault it cannot handle. */
    public void crash(String reason) {
        end(new DomainExit(DomainState.CRASHED, -1, reason));
    }

    /** Destroys the domain (xl destroy) and waits until its vCPUs are off every pCPU. */
    public void destroy() throws InterruptedException {
        end(new DomainExit(DomainState.DESTROYED, -1, "destroyed"));
        synchronized (this) {
            while (runningVcpus > 0) wait();
        }
    }

    private void end(DomainExit how) {
        synchronized (this) {
            if (state.ended()) return;
            state = how.state();
            vcpus.forEach(Vcpu::end);
        }
        eventChannels.closeAll();
        exit.complete(how);
    }

    synchronized void enterRunning() { runningVcpus++; }

    synchronized void leaveRunning() {
        if (--runningVcpus == 0) notifyAll();
    }

    /**
     * Credit2 caps: whether the domain still has budget in the current period, refilling it when a
     * new period has begun. The budget is wall time, as Xen's caps are.
     */
    public boolean capAllows(long now, long periodNanos) {
        int c = cap;
        if (c == 0) return true;
        synchronized (capLock) {
            if (!capPeriodStarted || now - capPeriodStart >= periodNanos) {
                capPeriodStarted = true;
                capPeriodStart = now;
                capBudgetNanos = periodNanos * c / 100;
            }
            return capBudgetNanos > 0;
        }
    }

    /** Charges a slice's wall time to the cap budget. */
    public void chargeCap(long nanos) {
        if (cap == 0) return;
        synchronized (capLock) {
            capBudgetNanos -= nanos;
        }
    }
}
