package io.hotvisor.microcode.intel;

import io.hotvisor.microcode.BcdDate;
import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.MicrocodeUpdate;
import io.hotvisor.microcode.Vendor;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One Intel microcode update as published, that passed every check of {@link IntelMicrocodeParser}.
 * Immutable; {@link #bytes()} returns a copy.
 *
 * @param source the file (or name) it was read from
 * @param index its 1-based position in that file
 * @param offset its byte offset in that file
 * @param headerVersion header field 0x00 (always 1 here)
 * @param revision update revision, field 0x04; compared unsigned
 * @param date release date, field 0x08
 * @param processorSignature CPUID(1).EAX this update is for, field 0x0C
 * @param checksum field 0x10, making the dwords of header and data sum to 0
 * @param loaderRevision field 0x14 (always 1 here)
 * @param processorFlags platform mask, field 0x18: bit n set for platform id n
 * @param dataSize the effective data size: field 0x1C, or 2000 when that field is 0
 * @param totalSize the effective total size: field 0x20, or 2048 when the data size field is 0
 * @param metadataSize field 0x24 (reserved in older updates)
 * @param minRequiredRevision field 0x28: the lowest running revision from which a late load is safe;
 *     0 when the update does not say (Linux then calls the late load unsafe)
 * @param extendedChecksum the extended signature table's checksum, 0 when there is no table
 * @param extendedSignatures the extended signature table's entries, in file order (empty if none)
 * @param bytes the update's {@code totalSize} bytes
 */
public record IntelMicrocodeUpdate(
        String source,
        int index,
        long offset,
        int headerVersion,
        int revision,
        BcdDate date,
        int processorSignature,
        int checksum,
        int loaderRevision,
        int processorFlags,
        int dataSize,
        int totalSize,
        int metadataSize,
        int minRequiredRevision,
        int extendedChecksum,
        List<ExtendedSignature> extendedSignatures,
        byte[] bytes)
        implements MicrocodeUpdate {

    /**
     * One entry of the extended signature table: a further CPU the same update is for.
     *
     * @param processorSignature CPUID(1).EAX
     * @param processorFlags platform mask
     * @param checksum the checksum the update would have with this signature and flags in its header
     */
    public record ExtendedSignature(int processorSignature, int processorFlags, int checksum) {
    }

    /** Copies the list and the image, so the record stays immutable. */
    public IntelMicrocodeUpdate {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(date, "date");
        extendedSignatures = List.copyOf(extendedSignatures);
        bytes = bytes.clone();
    }

    @Override
    public Vendor vendor() {
        return Vendor.INTEL;
    }

    @Override
    public int size() {
        return totalSize;
    }

    /** A copy of the update's bytes. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /**
     * Linux's {@code intel_find_matching_signature}: the header's signature, then each extended
     * entry's, equals the CPU's, and the processor flags are both 0 or share the CPU's platform bit.
     * False for a non-Intel CPU.
     */
    @Override
    public boolean matches(CpuIdentity cpu) {
        if (cpu.vendor() != Vendor.INTEL) {
            return false;
        }
        int sig = cpu.signature().eax();
        int pf = cpu.platformMask();
        if (signatureMatches(sig, pf, processorSignature, processorFlags)) {
            return true;
        }
        for (ExtendedSignature ext : extendedSignatures) {
            if (signatureMatches(sig, pf, ext.processorSignature(), ext.processorFlags())) {
                return true;
            }
        }
        return false;
    }

    private static boolean signatureMatches(int cpuSig, int cpuPf, int sig, int pf) {
        return cpuSig == sig && ((cpuPf == 0 && pf == 0) || (cpuPf & pf) != 0);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IntelMicrocodeUpdate u
                && index == u.index && offset == u.offset && headerVersion == u.headerVersion
                && revision == u.revision && date.equals(u.date) && processorSignature == u.processorSignature
                && checksum == u.checksum && loaderRevision == u.loaderRevision
                && processorFlags == u.processorFlags && dataSize == u.dataSize && totalSize == u.totalSize
                && metadataSize == u.metadataSize && minRequiredRevision == u.minRequiredRevision
                && extendedChecksum == u.extendedChecksum && source.equals(u.source)
                && extendedSignatures.equals(u.extendedSignatures) && Arrays.equals(bytes, u.bytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, offset, revision, processorSignature, processorFlags, Arrays.hashCode(bytes));
    }

    @Override
    public String toString() {
        return String.format("IntelMicrocodeUpdate[%s #%d @%d: sig 0x%08x, pf_mask 0x%02x, %s, rev 0x%04x, size %d, %d extended]",
                source, index, offset, processorSignature, processorFlags, date, revision, totalSize,
                extendedSignatures.size());
    }
}
