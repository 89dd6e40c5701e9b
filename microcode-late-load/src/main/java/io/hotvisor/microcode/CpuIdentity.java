package io.hotvisor.microcode;

import java.util.Objects;

/**
 * What microcode matching needs to know about one CPU: its vendor, signature, Intel platform id
 * and the microcode revision it runs. Immutable.
 *
 * @param vendor the CPU vendor; only updates of the same vendor can match
 * @param signature CPUID(1).EAX
 * @param platformId Intel's 3-bit platform id, bits 52:50 of MSR IA32_PLATFORM_ID (0x17); 0 for AMD
 * @param revision the running microcode revision as MSR IA32_BIOS_SIGN_ID (0x8B) reports it
 *     (Intel's update revision, AMD's patch level), compared unsigned
 */
public record CpuIdentity(Vendor vendor, CpuSignature signature, int platformId, int revision) {

    /** @throws IllegalArgumentException when the platform id is not 0 to 7, or non-zero for AMD */
    public CpuIdentity {
        Objects.requireNonNull(vendor, "vendor");
        Objects.requireNonNull(signature, "signature");
        if (platformId < 0 || platformId > 7) {
            throw new IllegalArgumentException("platform id " + platformId + " is not a 3-bit value (0..7)");
        }
        if (vendor == Vendor.AMD && platformId != 0) {
            throw new IllegalArgumentException("AMD CPUs have no platform id, got " + platformId);
        }
    }

    /** An Intel CPU. */
    public static CpuIdentity intel(int signature, int platformId, int revision) {
        return new CpuIdentity(Vendor.INTEL, new CpuSignature(signature), platformId, revision);
    }

    /** An AMD CPU; {@code patchLevel} is what MSR 0x8B reads. */
    public static CpuIdentity amd(int signature, int patchLevel) {
        return new CpuIdentity(Vendor.AMD, new CpuSignature(signature), 0, patchLevel);
    }

    /** The platform id held in a value of MSR IA32_PLATFORM_ID (0x17): bits 52:50. */
    public static int platformIdFromMsr(long msr17) {
        return (int) (msr17 >>> 50) & 7;
    }

    /**
     * The processor-flags bit an Intel update must have set to match this CPU: {@code 1 << platformId}.
     * As Linux's {@code intel_collect_cpu_info} does, the MSR is only read for model 5 and above or
     * family above 6; older CPUs, and AMD, have mask 0 (which matches only updates whose flags are 0).
     */
    public int platformMask() {
        if (vendor != Vendor.INTEL) {
            return 0;
        }
        return signature.model() >= 5 || signature.family() > 6 ? 1 << platformId : 0;
    }
}
