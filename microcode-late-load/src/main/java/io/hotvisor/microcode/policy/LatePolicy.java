package io.hotvisor.microcode.policy;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.CpuSignature;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.Vendor;
import io.hotvisor.microcode.amd.AmdPatch;
import io.hotvisor.microcode.intel.IntelMicrocodeUpdate;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The rules Linux applies to an update it has selected, before it stops the machine: the Intel
 * blacklist ({@code is_blacklisted}), Intel's minimum revision ({@code ucode_validate_minrev}) and
 * AMD's SHA-256 digests ({@code verify_sha256_digest}). Each check returns one {@link Decision};
 * a {@link Decision.Verdict#REFUSE} means nothing may be loaded. Stateless apart from its settings.
 *
 * @param forceMinRev Linux's {@code microcode.force_minrev}: refuse an update whose minimum
 *     revision is undeclared or above the running one, instead of loading it with a warning and a
 *     taint
 * @param digests the AMD digest table
 */
public record LatePolicy(boolean forceMinRev, AmdPatchDigests digests) {

    /** Intel Broadwell-EP/EX (family 6, model 0x4f) stepping 1: erratum BDF90. */
    static final CpuSignature BROADWELL_X_STEPPING_1 = CpuSignature.of(6, 0x4f, 1);

    /** BDF90's first safe running revision. */
    static final int BDF90_FIXED_REVISION = 0x0b000021;

    /** Linux's defaults: minimum revision warned about, not enforced; Linux's digest table. */
    public static LatePolicy linuxDefaults() {
        return new LatePolicy(false, AmdPatchDigests.linux());
    }

    /**
     * Linux's {@code is_blacklisted}. Linux also requires more than 2.5 MiB of last-level cache per
     * core; the simulated CPUs have no cache size, so every 06-4f-01 is treated as affected (the
     * cautious reading).
     */
    public Decision blacklist(CpuIdentity cpu) {
        if (cpu.vendor() != Vendor.INTEL || !cpu.signature().equals(BROADWELL_X_STEPPING_1)) {
            return new Decision(Rule.BLACKLIST_BDF90, Decision.Verdict.NOT_APPLICABLE, "not a Broadwell-EP/EX 06-4f-01");
        }
        if (Integer.compareUnsigned(cpu.revision(), BDF90_FIXED_REVISION) < 0) {
            return new Decision(Rule.BLACKLIST_BDF90, Decision.Verdict.REFUSE, String.format(
                    "erratum BDF90: late loading on Broadwell-EP/EX 06-4f-01 below revision 0x%08x can hang the machine;"
                            + " running 0x%x (load it early, at boot, or update the firmware)", BDF90_FIXED_REVISION,
                    cpu.revision()));
        }
        return new Decision(Rule.BLACKLIST_BDF90, Decision.Verdict.PASS,
                String.format("06-4f-01 runs 0x%x, at or above 0x%08x", cpu.revision(), BDF90_FIXED_REVISION));
    }

    /**
     * Linux's {@code ucode_validate_minrev}: safe only when the update declares a minimum revision
     * and the running one is at least that. Unsafe is refused under {@link #forceMinRev}, else
     * loaded with a warning (and the host is tainted, as Linux taints the kernel).
     */
    public Decision minimumRevision(CpuIdentity cpu, MicrocodeUpdate update) {
        if (!(update instanceof IntelMicrocodeUpdate u)) {
            return new Decision(Rule.MIN_REVISION, Decision.Verdict.NOT_APPLICABLE, "AMD patches declare no minimum revision");
        }
        String unsafe;
        if (u.minRequiredRevision() == 0) {
            unsafe = String.format("revision 0x%x does not declare a minimum revision for late loading (min_req_ver 0)",
                    u.revision());
        } else if (Integer.compareUnsigned(cpu.revision(), u.minRequiredRevision()) < 0) {
            unsafe = String.format("revision 0x%x may be loaded late only over revision 0x%x or later; the CPUs run 0x%x",
                    u.revision(), u.minRequiredRevision(), cpu.revision());
        } else {
            return new Decision(Rule.MIN_REVISION, Decision.Verdict.PASS, String.format(
                    "running 0x%x is at or above the declared minimum 0x%x", cpu.revision(), u.minRequiredRevision()));
        }
        return forceMinRev
                ? new Decision(Rule.MIN_REVISION, Decision.Verdict.REFUSE, "unsafe late load: " + unsafe
                        + "; refused because microcode-force-minrev is set (load it early, at boot)")
                : new Decision(Rule.MIN_REVISION, Decision.Verdict.WARN, "unsafe late load: " + unsafe
                        + "; loading it anyway, as Linux does without force_minrev (host tainted ucode-late)");
    }

    /** Linux's {@code verify_sha256_digest}, for the running CPU and the patch it is to load. */
    public Decision amdDigest(CpuIdentity cpu, MicrocodeUpdate update) {
        if (!(update instanceof AmdPatch p)) {
            return new Decision(Rule.AMD_SHA256, Decision.Verdict.NOT_APPLICABLE, "not an AMD patch");
        }
        if (!AmdPatchDigests.hasEntrySign(cpu.signature())) {
            return new Decision(Rule.AMD_SHA256, Decision.Verdict.NOT_APPLICABLE,
                    "family 0x" + Integer.toHexString(cpu.signature().family()) + " is not checked (before Zen)");
        }
        if (!AmdPatchDigests.needsCheck(cpu.signature(), cpu.revision())) {
            return new Decision(Rule.AMD_SHA256, Decision.Verdict.NOT_APPLICABLE,
                    String.format("running 0x%x already has AMD's signature fix", cpu.revision()));
        }
        Optional<byte[]> known = digests.digestOf(p.patchId());
        if (known.isEmpty()) {
            return new Decision(Rule.AMD_SHA256, Decision.Verdict.REFUSE, String.format(
                    "no known SHA-256 digest for patch 0x%08x (%s, patch %d); only patches in Linux's table load",
                    p.patchId(), p.source(), p.index()));
        }
        byte[] actual = AmdPatchDigests.sha256(p.bytes());
        if (!MessageDigest.isEqual(actual, known.get())) {
            return new Decision(Rule.AMD_SHA256, Decision.Verdict.REFUSE, String.format(
                    "patch 0x%08x (%s, patch %d at byte offset %d) has SHA-256 %s, Linux's table says %s: the patch was altered",
                    p.patchId(), p.source(), p.index(), p.offset(), AmdPatchDigests.hex(actual),
                    AmdPatchDigests.hex(known.get())));
        }
        return new Decision(Rule.AMD_SHA256, Decision.Verdict.PASS,
                String.format("patch 0x%08x matches its SHA-256 %s", p.patchId(), AmdPatchDigests.hex(actual)));
    }

    /** Every per-update check, late loading: blacklist, minimum revision, digest. */
    public List<Decision> late(CpuIdentity cpu, MicrocodeUpdate update) {
        List<Decision> out = new ArrayList<>(3);
        out.add(blacklist(cpu));
        out.add(minimumRevision(cpu, update));
        out.add(amdDigest(cpu, update));
        return out;
    }

    /** Loading at boot (Linux's early loading): no blacklist, no minimum revision; the digest still. */
    public List<Decision> early(CpuIdentity cpu, MicrocodeUpdate update) {
        return List.of(amdDigest(cpu, update));
    }
}
