package io.hotvisor.microcode.intel;

import io.hotvisor.microcode.BcdDate;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeFormatException.Code;
import io.hotvisor.microcode.ParseMode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Reads Intel microcode files: one or more updates stored back to back, each checked with Linux's
 * sanity rules ({@code intel_microcode_sanity_check}) and, in {@link ParseMode#STRICT}, also with
 * iucode_tool's. The first rule broken refuses the whole file, as Linux and Xen refuse it.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class IntelMicrocodeParser {

    /** Size of the update header (Intel SDM vol. 3A, table "Microcode Update Field Definitions"). */
    public static final int HEADER_SIZE = 48;
    /** Data size an update has when its data size field is 0 (older updates). */
    public static final int DEFAULT_DATA_SIZE = 2000;
    /** Total size an update has when its data size field is 0. */
    public static final int DEFAULT_TOTAL_SIZE = 2048;
    /** Size of the extended signature table's header: count, checksum, 12 reserved bytes. */
    public static final int EXTENDED_HEADER_SIZE = 20;
    /** Size of one extended signature entry: signature, processor flags, checksum. */
    public static final int EXTENDED_ENTRY_SIZE = 12;

    private final ParseMode mode;

    /** A parser applying the given rules. */
    public IntelMicrocodeParser(ParseMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    /** A parser applying Linux's rules only. */
    public IntelMicrocodeParser() {
        this(ParseMode.LINUX);
    }

    /**
     * Reads and checks every update in a file.
     *
     * @return the updates in file order; empty only for an empty file
     * @throws IOException when the file cannot be read
     * @throws MicrocodeFormatException when any update breaks a rule; its message names the path
     */
    public List<IntelMicrocodeUpdate> parse(Path file) throws IOException, MicrocodeFormatException {
        return parse(file.toString(), Files.readAllBytes(file));
    }

    /**
     * Checks every update in {@code data}.
     *
     * @param source the name used in the updates and in error messages, usually the file's path
     * @return the updates in order; empty only for empty data
     * @throws MicrocodeFormatException when any update breaks a rule
     */
    public List<IntelMicrocodeUpdate> parse(String source, byte[] data) throws MicrocodeFormatException {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        List<IntelMicrocodeUpdate> updates = new ArrayList<>();
        int offset = 0;
        while (offset < data.length) {
            IntelMicrocodeUpdate update = parseOne(source, buf, offset, updates.size() + 1);
            updates.add(update);
            offset += update.totalSize();
        }
        return List.copyOf(updates);
    }

    private IntelMicrocodeUpdate parseOne(String source, ByteBuffer buf, int at, int index)
            throws MicrocodeFormatException {
        int remaining = buf.capacity() - at;
        if (remaining < HEADER_SIZE) {
            throw new MicrocodeFormatException(Code.TRUNCATED, source, at, index,
                    remaining + " bytes left where a 48-byte update header starts");
        }
        int headerVersion = buf.getInt(at);
        int revision = buf.getInt(at + 0x04);
        int date = buf.getInt(at + 0x08);
        int signature = buf.getInt(at + 0x0C);
        int checksum = buf.getInt(at + 0x10);
        int loaderRevision = buf.getInt(at + 0x14);
        int flags = buf.getInt(at + 0x18);
        long dataField = Integer.toUnsignedLong(buf.getInt(at + 0x1C));
        long totalField = Integer.toUnsignedLong(buf.getInt(at + 0x20));
        int metadataSize = buf.getInt(at + 0x24);
        int minRequiredRevision = buf.getInt(at + 0x28);

        if (headerVersion != 1) {
            throw new MicrocodeFormatException(Code.BAD_HEADER_VERSION, source, at, index,
                    "header version " + headerVersion + ", only version 1 exists");
        }
        if (loaderRevision != 1) {
            throw new MicrocodeFormatException(Code.BAD_LOADER_REVISION, source, at + 0x14, index,
                    "loader revision " + loaderRevision + ", only revision 1 exists");
        }
        // Intel SDM: a data size of 0 denotes 2000 bytes of data and a total of 2048, whatever the
        // total size field holds (Linux's get_datasize/get_totalsize).
        long dataSize = dataField == 0 ? DEFAULT_DATA_SIZE : dataField;
        long totalSize = dataField == 0 ? DEFAULT_TOTAL_SIZE : totalField;
        if (dataSize + HEADER_SIZE > totalSize) {
            throw new MicrocodeFormatException(Code.BAD_SIZE, source, at + 0x1C, index,
                    "data size " + dataSize + " + 48-byte header exceeds total size " + totalSize);
        }
        if (mode == ParseMode.STRICT) {
            if (dataSize % 4 != 0 || totalSize % 4 != 0) {
                throw new MicrocodeFormatException(Code.STRICT_BAD_SIZE, source, at + 0x1C, index,
                        "data size " + dataSize + " or total size " + totalSize + " is not a multiple of 4");
            }
            if (totalSize % 1024 != 0) {
                throw new MicrocodeFormatException(Code.STRICT_BAD_SIZE, source, at + 0x20, index,
                        "total size " + totalSize + " is not a multiple of 1024");
            }
        }
        if (totalSize > remaining) {
            throw new MicrocodeFormatException(Code.TRUNCATED, source, at, index,
                    "total size " + totalSize + " but only " + remaining + " bytes left in the file");
        }

        int extStart = at + HEADER_SIZE + (int) dataSize;
        int extSize = (int) (totalSize - HEADER_SIZE - dataSize);
        List<IntelMicrocodeUpdate.ExtendedSignature> extended = List.of();
        int extendedChecksum = 0;
        // Linux checks the extended table's shape and checksum before the main checksum.
        if (extSize != 0) {
            if (extSize < EXTENDED_HEADER_SIZE || (extSize - EXTENDED_HEADER_SIZE) % EXTENDED_ENTRY_SIZE != 0) {
                throw new MicrocodeFormatException(Code.BAD_EXTENDED_TABLE, source, extStart, index,
                        extSize + " bytes after the data cannot hold an extended signature table "
                                + "(20 + 12 * count bytes)");
            }
            long count = Integer.toUnsignedLong(buf.getInt(extStart));
            if (EXTENDED_HEADER_SIZE + EXTENDED_ENTRY_SIZE * count != extSize) {
                throw new MicrocodeFormatException(Code.BAD_EXTENDED_TABLE, source, extStart, index,
                        "extended signature table counts " + count + " entries but has room for "
                                + (extSize - EXTENDED_HEADER_SIZE) / EXTENDED_ENTRY_SIZE);
            }
            if (dwordSum(buf, extStart, extSize) != 0) {
                throw new MicrocodeFormatException(Code.BAD_EXTENDED_CHECKSUM, source, extStart + 4, index,
                        "the dwords of the extended signature table do not sum to 0");
            }
            extendedChecksum = buf.getInt(extStart + 4);
            extended = new ArrayList<>((int) count);
            for (int i = 0; i < count; i++) {
                int entry = extStart + EXTENDED_HEADER_SIZE + EXTENDED_ENTRY_SIZE * i;
                extended.add(new IntelMicrocodeUpdate.ExtendedSignature(
                        buf.getInt(entry), buf.getInt(entry + 4), buf.getInt(entry + 8)));
            }
        }
        // Intel SDM: the checksum makes the dwords of header and data sum to 0. Like Linux, a data
        // size that is not a multiple of 4 sums only the whole dwords.
        if (dwordSum(buf, at, HEADER_SIZE + (int) dataSize) != 0) {
            throw new MicrocodeFormatException(Code.BAD_CHECKSUM, source, at + 0x10, index,
                    "the dwords of header and data do not sum to 0 (checksum 0x"
                            + Integer.toHexString(checksum) + ")");
        }
        // Each extended entry carries the checksum the header would have with that entry's signature
        // and flags, so the three must add up to the header's three (Linux, mod 2^32).
        int headerTriple = signature + flags + checksum;
        for (int i = 0; i < extended.size(); i++) {
            IntelMicrocodeUpdate.ExtendedSignature e = extended.get(i);
            if (e.processorSignature() + e.processorFlags() + e.checksum() != headerTriple) {
                throw new MicrocodeFormatException(Code.BAD_EXTENDED_SIGNATURE, source,
                        extStart + EXTENDED_HEADER_SIZE + (long) EXTENDED_ENTRY_SIZE * i, index,
                        String.format("extended signature %d (sig 0x%08x, pf_mask 0x%02x) has a checksum that "
                                + "does not match the header's", i + 1, e.processorSignature(), e.processorFlags()));
            }
        }
        BcdDate bcd = new BcdDate(date);
        if (mode == ParseMode.STRICT) {
            if (!bcd.isValid()) {
                throw new MicrocodeFormatException(Code.STRICT_BAD_DATE, source, at + 0x08, index,
                        "date " + bcd + " is not a valid BCD date");
            }
            if (revision == 0) {
                throw new MicrocodeFormatException(Code.STRICT_ZERO_REVISION, source, at + 0x04, index,
                        "revision is 0");
            }
        }
        byte[] bytes = Arrays.copyOfRange(buf.array(), at, at + (int) totalSize);
        return new IntelMicrocodeUpdate(source, index, at, headerVersion, revision, bcd, signature, checksum,
                loaderRevision, flags, (int) dataSize, (int) totalSize, metadataSize, minRequiredRevision,
                extendedChecksum, extended, bytes);
    }

    private static int dwordSum(ByteBuffer buf, int from, int length) {
        int sum = 0;
        for (int i = 0; i + 4 <= length; i += 4) {
            sum += buf.getInt(from + i);
        }
        return sum;
    }
}
