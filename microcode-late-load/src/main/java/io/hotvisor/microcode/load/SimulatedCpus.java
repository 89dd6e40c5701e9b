package io.hotvisor.microcode.load;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.CpuSignature;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.Vendor;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedSet;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The x86 identity of Hotvisor's physical CPUs and the model-specific registers microcode loading
 * touches. pCPU {@code core * threadsPerCore + thread} is thread {@code thread} of core {@code core}
 * (hv-runtime's numbering). Every pCPU has the same vendor, signature and platform id; the microcode
 * revision belongs to the <em>core</em>, as on real hyper-threaded parts: the threads of a core share
 * its microcode, so a sibling reads whatever its core's first thread loaded.
 *
 * <p>Simulated MSR semantics (Intel SDM vol. 3A, "Microcode Update Facilities"; AMD as Linux's
 * {@code amd.c} uses them): {@link Msr#IA32_PLATFORM_ID} reads the platform id in bits 52:50;
 * {@link Msr#IA32_BIOS_SIGN_ID} reads the revision in bits 63:32 on Intel and the patch level in bits
 * 31:0 on AMD; writing an update through {@link #writeUpdateTrigger} loads it when the CPU accepts it
 * (same vendor, signature and platform, as the real CPU's own check), after which the register reads
 * back the update's revision. A rejected update leaves the revision as it was, as a real CPU does.
 *
 * <p>Thread-safe: revisions are atomic per core; loads are expected under a rendezvous.
 */
public final class SimulatedCpus {

    /**
     * Test hook: makes a core's CPU reject an update it would otherwise take, as a CPU whose
     * microcode patch RAM refuses a load would (the revision then stays as it was).
     */
    @FunctionalInterface
    public interface LoadFault {
        /** True to make {@code core} reject {@code update}. */
        boolean rejects(int core, MicrocodeUpdate update);

        /** No core rejects anything. */
        LoadFault NONE = (core, update) -> false;
    }

    /**
     * One pCPU as {@code hvctl ucode --status} shows it.
     *
     * @param cpu pCPU id
     * @param core its core
     * @param thread its thread in the core
     * @param vendor vendor
     * @param signature CPUID(1).EAX
     * @param platformId Intel platform id (0 on AMD)
     * @param revision the microcode revision MSR 0x8B reads
     * @param features the features that revision gives ({@link RevisionEffects})
     */
    public record CpuStatus(int cpu, int core, int thread, Vendor vendor, CpuSignature signature, int platformId,
            int revision, SortedSet<String> features) {
    }

    private final int cores;
    private final int threadsPerCore;
    private final Vendor vendor;
    private final CpuSignature signature;
    private final int platformId;
    private final RevisionEffects effects;
    private final AtomicIntegerArray revisions;
    private volatile LoadFault fault = LoadFault.NONE;

    /**
     * @param cores number of cores
     * @param threadsPerCore threads per core
     * @param boot the identity every pCPU has at boot (its revision is the one the firmware loaded)
     * @param effects what revisions change
     */
    public SimulatedCpus(int cores, int threadsPerCore, CpuIdentity boot, RevisionEffects effects) {
        if (cores < 1 || threadsPerCore < 1) {
            throw new IllegalArgumentException("need at least one core of one thread, got " + cores + "x" + threadsPerCore);
        }
        this.cores = cores;
        this.threadsPerCore = threadsPerCore;
        this.vendor = boot.vendor();
        this.signature = boot.signature();
        this.platformId = boot.platformId();
        this.effects = Objects.requireNonNull(effects, "effects");
        this.revisions = new AtomicIntegerArray(cores);
        for (int c = 0; c < cores; c++) {
            revisions.set(c, boot.revision());
        }
    }

    public int cores() {
        return cores;
    }

    public int threadsPerCore() {
        return threadsPerCore;
    }

    public int pcpus() {
        return cores * threadsPerCore;
    }

    public Vendor vendor() {
        return vendor;
    }

    /** Installs a {@link LoadFault} (tests only; {@link LoadFault#NONE} to clear it). */
    public void setLoadFault(LoadFault fault) {
        this.fault = Objects.requireNonNull(fault, "fault");
    }

    /**
     * RDMSR on {@code pcpu}.
     *
     * @throws IllegalArgumentException for an MSR this simulation does not have (a real CPU raises #GP)
     */
    public long readMsr(int pcpu, int msr) {
        int core = coreOf(pcpu);
        return switch (msr) {
            case Msr.IA32_PLATFORM_ID -> vendor == Vendor.INTEL ? (long) platformId << 50 : fault(msr, pcpu);
            case Msr.IA32_BIOS_SIGN_ID -> vendor == Vendor.INTEL
                    ? (long) revisions.get(core) << 32
                    : Integer.toUnsignedLong(revisions.get(core));
            default -> fault(msr, pcpu);
        };
    }

    /**
     * WRMSR of an update trigger on {@code pcpu}: {@link Msr#IA32_BIOS_UPDT_TRIG} on Intel,
     * {@link Msr#AMD_PATCH_LOADER} on AMD, with the update as the memory the address points at.
     * The CPU loads it when it accepts it; else nothing changes (read MSR 0x8B to find out).
     *
     * @throws IllegalArgumentException when {@code msr} is not this vendor's trigger (#GP)
     */
    public void writeUpdateTrigger(int pcpu, int msr, MicrocodeUpdate update) {
        int trigger = vendor == Vendor.INTEL ? Msr.IA32_BIOS_UPDT_TRIG : Msr.AMD_PATCH_LOADER;
        if (msr != trigger) {
            fault(msr, pcpu);
        }
        int core = coreOf(pcpu);
        CpuIdentity now = identity(pcpu);
        if (update.vendor() != vendor || !update.matches(now) || fault.rejects(core, update)) {
            return;
        }
        revisions.set(core, update.revision());
    }

    /** The trigger MSR of this vendor. */
    public int updateTrigger() {
        return vendor == Vendor.INTEL ? Msr.IA32_BIOS_UPDT_TRIG : Msr.AMD_PATCH_LOADER;
    }

    /**
     * The revision as software reads it: Intel writes 0 to IA32_BIOS_SIGN_ID, executes CPUID(1) and
     * reads bits 63:32 (SDM vol. 3A); AMD reads PATCH_LEVEL's bits 31:0.
     */
    public int readRevision(int pcpu) {
        long v = readMsr(pcpu, Msr.IA32_BIOS_SIGN_ID);
        return vendor == Vendor.INTEL ? (int) (v >>> 32) : (int) v;
    }

    /** The identity of {@code pcpu} as microcode matching sees it, read from its MSRs. */
    public CpuIdentity identity(int pcpu) {
        int pid = vendor == Vendor.INTEL ? CpuIdentity.platformIdFromMsr(readMsr(pcpu, Msr.IA32_PLATFORM_ID)) : 0;
        return new CpuIdentity(vendor, signature, pid, readRevision(pcpu));
    }

    /** The features {@code pcpu} has at its current revision. */
    public SortedSet<String> features(int pcpu) {
        return effects.features(identity(pcpu));
    }

    /** Every pCPU, in id order. */
    public List<CpuStatus> status() {
        List<CpuStatus> out = new ArrayList<>(pcpus());
        for (int p = 0; p < pcpus(); p++) {
            CpuIdentity id = identity(p);
            out.add(new CpuStatus(p, coreOf(p), p % threadsPerCore, vendor, signature, id.platformId(), id.revision(),
                    effects.features(id)));
        }
        return out;
    }

    /** The core of a pCPU. */
    public int coreOf(int pcpu) {
        if (pcpu < 0 || pcpu >= pcpus()) {
            throw new IllegalArgumentException("no pCPU " + pcpu + "; this host has " + pcpus());
        }
        return pcpu / threadsPerCore;
    }

    /** The first pCPU (thread 0) of a core. */
    public int primaryOf(int core) {
        return core * threadsPerCore;
    }

    private long fault(int msr, int pcpu) {
        throw new IllegalArgumentException("pCPU " + pcpu + " (" + vendor + ") has no " + Msr.name(msr)
                + "; a real CPU raises #GP");
    }
}
