package io.hotvisor.microcode.amd;

import io.hotvisor.microcode.BcdDate;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeFormatException.Code;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads AMD microcode container files, checking them as Linux's {@code amd.c} does
 * ({@code verify_container}, {@code verify_equivalence_table}, {@code verify_patch_section},
 * {@code verify_patch}, {@code verify_and_add_patch}). The first rule broken refuses the whole file.
 *
 * <p>Linux checks the size cap only for patches of the running CPU's family; this parser has no CPU,
 * so it checks every patch against the cap of the family the patch itself names, which refuses
 * the same patches on the CPUs they are for. Instances are stateless and thread-safe.
 */
public final class AmdContainerParser {

    /** The container magic, "DMA\0" read as a little-endian dword. */
    public static final int MAGIC = 0x00414d44;
    /** Magic, equivalence section type and size. */
    public static final int CONTAINER_HEADER_SIZE = 12;
    /** Section type and size. */
    public static final int SECTION_HEADER_SIZE = 8;
    /** Size of one equivalence table entry. */
    public static final int EQUIV_ENTRY_SIZE = 16;
    /** Size of the patch header. */
    public static final int PATCH_HEADER_SIZE = 64;
    /** Section type of the equivalence table. */
    public static final int EQUIV_TABLE_TYPE = 0;
    /** Section type of a patch. */
    public static final int PATCH_TYPE = 1;
    /** Largest patch of families 0x10 to 0x12 (Linux's {@code F1XH_MPB_MAX_SIZE}). */
    public static final int F1XH_MAX_PATCH_SIZE = 2048;
    /** Largest patch of family 0x14 (Linux's {@code F14H_MPB_MAX_SIZE}). */
    public static final int F14H_MAX_PATCH_SIZE = 1824;

    /**
     * Reads and checks every container in a file.
     *
     * @throws IOException when the file cannot be read
     * @throws MicrocodeFormatException when the file breaks a rule; its message names the path
     */
    public List<AmdContainer> parse(Path file) throws IOException, MicrocodeFormatException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    /**
     * Checks every container in {@code data}: one or more containers back to back.
     *
     * @param source the name used in the results and error messages, usually the file's path
     * @return the containers in order, each with at least its equivalence table
     * @throws MicrocodeFormatException when the data breaks a rule (also for empty data)
     */
    public List<AmdContainer> parse(String source, byte[] data) throws MicrocodeFormatException {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        List<AmdContainer> containers = new ArrayList<>();
        int patchesBefore = 0;
        int at = 0;
        do {
            Parsed parsed = parseContainer(source, buf, at, containers.size() + 1, patchesBefore);
            containers.add(parsed.container());
            patchesBefore += parsed.container().patches().size();
            at = parsed.end();
        } while (at < data.length);
        return List.copyOf(containers);
    }

    /** A container and the offset just past it. */
    private record Parsed(AmdContainer container, int end) {
    }

    private static Parsed parseContainer(String source, ByteBuffer buf, int at, int index, int patchesBefore)
            throws MicrocodeFormatException {
        int remaining = buf.capacity() - at;
        if (remaining < CONTAINER_HEADER_SIZE) {
            throw new MicrocodeFormatException(Code.TRUNCATED, source, at, 0,
                    remaining + " bytes left where a 12-byte container header starts");
        }
        int magic = buf.getInt(at);
        if (magic != MAGIC) {
            throw new MicrocodeFormatException(Code.AMD_BAD_MAGIC, source, at, 0,
                    String.format("container magic 0x%08x, expected 0x%08x", magic, MAGIC));
        }
        int type = buf.getInt(at + 4);
        if (type != EQUIV_TABLE_TYPE) {
            throw new MicrocodeFormatException(Code.AMD_BAD_EQUIV_TABLE, source, at + 4, 0,
                    "first section has type " + Integer.toUnsignedString(type) + ", an equivalence table (type 0) was expected");
        }
        long tableSize = Integer.toUnsignedLong(buf.getInt(at + 8));
        if (tableSize < EQUIV_ENTRY_SIZE || tableSize % EQUIV_ENTRY_SIZE != 0) {
            throw new MicrocodeFormatException(Code.AMD_BAD_EQUIV_TABLE, source, at + 8, 0,
                    "equivalence table size " + tableSize + " is not a positive multiple of 16");
        }
        if (tableSize > remaining - CONTAINER_HEADER_SIZE) {
            throw new MicrocodeFormatException(Code.TRUNCATED, source, at + 8, 0, "equivalence table of "
                    + tableSize + " bytes but only " + (remaining - CONTAINER_HEADER_SIZE) + " bytes left");
        }
        AmdEquivalenceTable table = parseTable(source, buf, at + CONTAINER_HEADER_SIZE, (int) tableSize);

        List<AmdPatch> patches = new ArrayList<>();
        int p = at + CONTAINER_HEADER_SIZE + (int) tableSize;
        // Patch sections follow until the data ends or the next container's magic begins (Linux's
        // parse_container stops at the first section that is not a patch).
        while (p < buf.capacity() && !(buf.capacity() - p >= 4 && buf.getInt(p) == MAGIC)) {
            AmdPatch patch = parsePatch(source, buf, p, patchesBefore + patches.size() + 1, table);
            patches.add(patch);
            p += SECTION_HEADER_SIZE + patch.sectionSize();
        }
        return new Parsed(new AmdContainer(source, index, at, table, patches), p);
    }

    private static AmdEquivalenceTable parseTable(String source, ByteBuffer buf, int start, int size)
            throws MicrocodeFormatException {
        List<AmdEquivalenceTable.Entry> entries = new ArrayList<>();
        for (int e = start; e < start + size; e += EQUIV_ENTRY_SIZE) {
            int installed = buf.getInt(e);
            if (installed == 0) {
                // The table ends at the first zero entry: older kernels' find_equiv_id stops there.
                return new AmdEquivalenceTable(entries);
            }
            entries.add(new AmdEquivalenceTable.Entry(installed, buf.getInt(e + 4), buf.getInt(e + 8),
                    Short.toUnsignedInt(buf.getShort(e + 12))));
        }
        throw new MicrocodeFormatException(Code.AMD_BAD_EQUIV_TABLE, source, start + size - EQUIV_ENTRY_SIZE, 0,
                "equivalence table of " + size / EQUIV_ENTRY_SIZE + " entries has no terminating zero entry");
    }

    private static AmdPatch parsePatch(String source, ByteBuffer buf, int at, int index, AmdEquivalenceTable table)
            throws MicrocodeFormatException {
        int remaining = buf.capacity() - at;
        if (remaining < SECTION_HEADER_SIZE) {
            throw new MicrocodeFormatException(Code.TRUNCATED, source, at, index,
                    remaining + " bytes left where an 8-byte patch section header starts");
        }
        int type = buf.getInt(at);
        if (type != PATCH_TYPE) {
            throw new MicrocodeFormatException(Code.AMD_BAD_SECTION, source, at, index,
                    "section type " + Integer.toUnsignedString(type) + ", a patch section (type 1) was expected");
        }
        long size = Integer.toUnsignedLong(buf.getInt(at + 4));
        if (size < PATCH_HEADER_SIZE) {
            throw new MicrocodeFormatException(Code.AMD_BAD_SECTION, source, at + 4, index,
                    "patch section of " + size + " bytes is smaller than the 64-byte patch header");
        }
        if (size > remaining - SECTION_HEADER_SIZE) {
            throw new MicrocodeFormatException(Code.TRUNCATED, source, at + 4, index, "patch section of " + size
                    + " bytes but only " + (remaining - SECTION_HEADER_SIZE) + " bytes left");
        }
        int h = at + SECTION_HEADER_SIZE;
        int processorRevisionId = Short.toUnsignedInt(buf.getShort(h + 24));
        int family = AmdPatch.familyOf(processorRevisionId);
        checkSize(source, at, index, family, (int) size);
        int nbDevId = buf.getInt(h + 16);
        int sbDevId = buf.getInt(h + 20);
        if (nbDevId != 0 || sbDevId != 0) {
            // Linux refuses chipset-specific patches: it cannot check the bridges they name.
            throw new MicrocodeFormatException(Code.AMD_CHIPSET_SPECIFIC, source, h + 16, index, String.format(
                    "patch 0x%08x names nb_dev_id 0x%08x, sb_dev_id 0x%08x: chipset-specific patches are not supported",
                    buf.getInt(h + 4), nbDevId, sbDevId));
        }
        List<Integer> matchRegisters = new ArrayList<>(8);
        for (int i = 0; i < 8; i++) {
            matchRegisters.add(buf.getInt(h + 32 + 4 * i));
        }
        return new AmdPatch(source, index, at, (int) size,
                new BcdDate(buf.getInt(h)),
                buf.getInt(h + 4),
                Short.toUnsignedInt(buf.getShort(h + 8)),
                Byte.toUnsignedInt(buf.get(h + 10)),
                Byte.toUnsignedInt(buf.get(h + 11)),
                buf.getInt(h + 12),
                nbDevId,
                sbDevId,
                processorRevisionId,
                Byte.toUnsignedInt(buf.get(h + 26)),
                Byte.toUnsignedInt(buf.get(h + 27)),
                Byte.toUnsignedInt(buf.get(h + 28)),
                matchRegisters,
                table,
                Arrays.copyOfRange(buf.array(), h, h + (int) size));
    }

    /**
     * Linux's {@code __verify_patch_size}: families 0x10 to 0x12 and 0x14 have a fixed patch size
     * cap; from 0x15 on there is none beyond the file; other families below 0x15 have no microcode
     * loader support at all.
     */
    private static void checkSize(String source, int at, int index, int family, int size)
            throws MicrocodeFormatException {
        if (family >= 0x15) {
            return;
        }
        int max;
        if (family >= 0x10 && family <= 0x12) {
            max = F1XH_MAX_PATCH_SIZE;
        } else if (family == 0x14) {
            max = F14H_MAX_PATCH_SIZE;
        } else {
            throw new MicrocodeFormatException(Code.AMD_UNSUPPORTED_FAMILY, source, at + SECTION_HEADER_SIZE + 24,
                    index, String.format("patch for family 0x%02x, which has no microcode loader support", family));
        }
        if (size > max) {
            throw new MicrocodeFormatException(Code.AMD_PATCH_TOO_LARGE, source, at + 4, index,
                    String.format("patch of %d bytes exceeds the %d-byte limit of family 0x%02x", size, max, family));
        }
    }
}
