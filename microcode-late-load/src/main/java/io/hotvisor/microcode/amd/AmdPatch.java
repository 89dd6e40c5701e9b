package io.hotvisor.microcode.amd;

import io.hotvisor.microcode.BcdDate;
import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.Vendor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One AMD microcode patch with its 64-byte header, as checked by {@link AmdContainerParser}.
 * Immutable; {@link #bytes()} returns a copy.
 *
 * @param source the file (or name) it was read from
 * @param index its 1-based position among the patches of that file
 * @param offset the byte offset of its section header in that file
 * @param sectionSize the patch section's size: header plus code
 * @param date {@code data_code}, BCD 0xMMDDYYYY
 * @param patchId {@code patch_id}, the revision MSR 0x8B reads after loading
 * @param patchDataId {@code mc_patch_data_id}
 * @param patchDataLength {@code mc_patch_data_len}
 * @param initFlag {@code init_flag}
 * @param patchDataChecksum {@code mc_patch_data_checksum}
 * @param northBridgeDeviceId {@code nb_dev_id} (0 here: the parser refuses chipset-specific patches)
 * @param southBridgeDeviceId {@code sb_dev_id} (0 here)
 * @param processorRevisionId {@code processor_rev_id}: the equivalence id, u16
 * @param northBridgeRevisionId {@code nb_rev_id}
 * @param southBridgeRevisionId {@code sb_rev_id}
 * @param biosApiRevision {@code bios_api_rev}
 * @param matchRegisters {@code match_reg[8]}
 * @param equivalenceTable the table of the container the patch came in
 * @param bytes the patch (header and code), {@code sectionSize} bytes
 */
public record AmdPatch(
        String source,
        int index,
        long offset,
        int sectionSize,
        BcdDate date,
        int patchId,
        int patchDataId,
        int patchDataLength,
        int initFlag,
        int patchDataChecksum,
        int northBridgeDeviceId,
        int southBridgeDeviceId,
        int processorRevisionId,
        int northBridgeRevisionId,
        int southBridgeRevisionId,
        int biosApiRevision,
        List<Integer> matchRegisters,
        AmdEquivalenceTable equivalenceTable,
        byte[] bytes)
        implements MicrocodeUpdate {

    /** The first family (Zen) whose patches are matched by the CPUID their patch id encodes. */
    public static final int FIRST_ZEN_FAMILY = 0x17;

    /** Copies the list and the bytes. */
    public AmdPatch {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(date, "date");
        Objects.requireNonNull(equivalenceTable, "equivalenceTable");
        matchRegisters = List.copyOf(matchRegisters);
        bytes = bytes.clone();
    }

    /** The CPU family the patch is for: {@code 0xf + (processor_rev_id >> 12)}, as Linux derives it. */
    public int family() {
        return familyOf(processorRevisionId);
    }

    static int familyOf(int processorRevisionId) {
        return 0xf + (processorRevisionId >>> 12);
    }

    /**
     * The CPUID(1).EAX a Zen patch id encodes (Linux's {@code ucode_rev_to_cpuid}): bits 7:0 are the
     * revision, 11:8 the stepping, 15:12 the model, 23:20 the extended model and 31:24 the extended
     * family; the base family is always 0xF.
     */
    public static int zenCpuidOf(int patchId) {
        int stepping = (patchId >>> 8) & 0xf;
        int model = (patchId >>> 12) & 0xf;
        int extendedModel = (patchId >>> 20) & 0xf;
        int extendedFamily = (patchId >>> 24) & 0xff;
        return extendedFamily << 20 | extendedModel << 16 | 0xf << 8 | model << 4 | stepping;
    }

    /**
     * The CPU signatures this patch is for: from family 0x17 the one its patch id encodes, before it
     * those the container's equivalence table maps to its {@code processor_rev_id}.
     */
    public List<Integer> targetSignatures() {
        if (family() >= FIRST_ZEN_FAMILY) {
            return List.of(zenCpuidOf(patchId));
        }
        return equivalenceTable.signaturesFor(processorRevisionId);
    }

    @Override
    public Vendor vendor() {
        return Vendor.AMD;
    }

    @Override
    public int revision() {
        return patchId;
    }

    @Override
    public int size() {
        return sectionSize;
    }

    /** A copy of the patch's bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Linux's {@code mc_patch_matches}: for a CPU of family 0x17 or later the CPUID encoded in the
     * patch id must equal the CPU's signature (Zen needs no equivalence table); for older CPUs the
     * CPU's equivalence id, looked up in the container's table, must equal {@code processor_rev_id}.
     * False for a non-AMD CPU.
     */
    @Override
    public boolean matches(CpuIdentity cpu) {
        if (cpu.vendor() != Vendor.AMD) {
            return false;
        }
        int sig = cpu.signature().eax();
        if (cpu.signature().family() >= FIRST_ZEN_FAMILY) {
            return zenCpuidOf(patchId) == sig;
        }
        return equivalenceTable.equivalenceIdOf(sig).orElse(-1) == processorRevisionId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AmdPatch p
                && index == p.index && offset == p.offset && sectionSize == p.sectionSize && date.equals(p.date)
                && patchId == p.patchId && processorRevisionId == p.processorRevisionId && source.equals(p.source)
                && equivalenceTable.equals(p.equivalenceTable) && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, offset, patchId, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        List<String> sigs = new ArrayList<>();
        for (int s : targetSignatures()) {
            sigs.add(String.format("0x%08x", s));
        }
        return String.format("AmdPatch[%s #%d @%d: patch_id 0x%08x, family 0x%02x, processor_rev_id 0x%04x, date %s, "
                + "size %d, for %s]", source, index, offset, patchId, family(), processorRevisionId, date, sectionSize, sigs);
    }
}
