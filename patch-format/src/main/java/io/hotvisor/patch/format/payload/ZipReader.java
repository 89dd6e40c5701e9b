package io.hotvisor.patch.format.payload;

import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.PayloadException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The strict ZIP parser (PKWARE APPNOTE 6.3.x, README "Container layout"). It reads the central
 * directory, checks every entry's name, uniqueness and declared size against the caps before
 * inflating anything, cross-checks each local header against its central record, refuses
 * overlapping entries (the overlap zip-bomb construction), and while inflating never produces more
 * than the declared size plus one byte, so a size lie is caught at that byte. Stateless.
 */
final class ZipReader {
    private static final int EOCD_SIG = 0x06054b50;
    private static final int CEN_SIG = 0x02014b50;
    private static final int LOC_SIG = 0x04034b50;
    private static final int EOCD_LENGTH = 22;
    private static final int CEN_LENGTH = 46;
    private static final int LOC_LENGTH = 30;
    private static final int FLAG_ENCRYPTED = 0x0001;
    private static final int FLAG_DATA_DESCRIPTOR = 0x0008;
    private static final int FLAG_STRONG_ENCRYPTION = 0x0040;
    private static final int FLAG_UTF8 = 0x0800;
    private static final int STORED = 0;
    private static final int DEFLATED = 8;

    private ZipReader() {
    }

    /** A central-directory record, before its data is read. */
    private record Central(String name, int flags, int method, long crc, long compressedSize, long size,
                           long localOffset) {
    }

    /** Byte range [start, end) an entry occupies, for the overlap check. */
    private record Span(String name, long start, long end) {
    }

    /**
     * Parses and inflates every entry.
     *
     * @throws PayloadException {@code BAD_ZIP}, {@code DUPLICATE_ENTRY}, {@code UNSAFE_ENTRY_NAME},
     *                          {@code ENTRY_TOO_LARGE} or {@code PAYLOAD_TOO_LARGE}
     */
    static List<ZipItem> read(byte[] zip, PayloadLimits limits) throws PayloadException {
        int eocd = findEndRecord(zip);
        int thisDisk = u16(zip, eocd + 4);
        int centralDisk = u16(zip, eocd + 6);
        int entriesOnDisk = u16(zip, eocd + 8);
        int entries = u16(zip, eocd + 10);
        long centralSize = u32(zip, eocd + 12);
        long centralOffset = u32(zip, eocd + 16);
        if (entries == 0xFFFF || centralSize == 0xFFFF_FFFFL || centralOffset == 0xFFFF_FFFFL) {
            throw badZip("ZIP64 archives are not supported; payloads are far below 4 GiB");
        }
        if (thisDisk != 0 || centralDisk != 0 || entriesOnDisk != entries) {
            throw badZip("multi-disk (split) archives are not supported");
        }
        if (entries > limits.maxEntries()) {
            throw new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, "the payload has " + entries
                    + " entries, more than the cap of " + limits.maxEntries());
        }
        if (centralOffset + centralSize != eocd) {
            throw badZip("the central directory does not end where the end record begins "
                    + "(prepended or appended data, or a truncated file)");
        }
        List<Central> records = readCentral(zip, (int) centralOffset, eocd, entries, limits);
        List<ZipItem> items = new ArrayList<>(records.size());
        List<Span> spans = new ArrayList<>(records.size());
        for (Central record : records) {
            long dataStart = checkLocalHeader(zip, record, centralOffset);
            spans.add(new Span(record.name(), record.localOffset(), dataStart + record.compressedSize()));
        }
        checkNoOverlap(spans);
        for (int i = 0; i < records.size(); i++) {
            Central record = records.get(i);
            long dataStart = spans.get(i).end() - record.compressedSize();
            items.add(new ZipItem(record.name(), inflate(zip, record, (int) dataStart)));
        }
        return items;
    }

    private static int findEndRecord(byte[] zip) throws PayloadException {
        int lowest = Math.max(0, zip.length - EOCD_LENGTH - 0xFFFF);
        for (int at = zip.length - EOCD_LENGTH; at >= lowest; at--) {
            if (u32(zip, at) == EOCD_SIG && at + EOCD_LENGTH + u16(zip, at + 20) == zip.length) {
                return at;
            }
        }
        throw badZip("no ZIP end-of-central-directory record: the file is not a ZIP payload or is truncated");
    }

    private static List<Central> readCentral(byte[] zip, int offset, int end, int entries, PayloadLimits limits)
            throws PayloadException {
        List<Central> records = new ArrayList<>(entries);
        Set<String> names = new HashSet<>();
        long total = 0;
        int at = offset;
        for (int i = 0; i < entries; i++) {
            if (at + CEN_LENGTH > end || u32(zip, at) != CEN_SIG) {
                throw badZip("central directory record " + i + " is missing or corrupt");
            }
            int flags = u16(zip, at + 8);
            int method = u16(zip, at + 10);
            long crc = u32(zip, at + 16);
            long compressedSize = u32(zip, at + 20);
            long size = u32(zip, at + 24);
            int nameLength = u16(zip, at + 28);
            int extraLength = u16(zip, at + 30);
            int commentLength = u16(zip, at + 32);
            long localOffset = u32(zip, at + 42);
            int next = at + CEN_LENGTH + nameLength + extraLength + commentLength;
            if (next > end) {
                throw badZip("central directory record " + i + " runs past the directory's end");
            }
            String name = decodeName(zip, at + CEN_LENGTH, nameLength, flags);
            String problem = EntryNames.problem(name);
            if (problem != null) {
                throw new PayloadException(PayloadError.UNSAFE_ENTRY_NAME, "entry '" + EntryNames.printable(name)
                        + "' has an unsafe name: " + problem + "; payload entries are relative paths without '..'");
            }
            if (!names.add(name)) {
                throw new PayloadException(PayloadError.DUPLICATE_ENTRY, "entry '" + EntryNames.printable(name)
                        + "' appears more than once; a payload names each entry exactly once");
            }
            if ((flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) != 0) {
                throw badZip("entry '" + EntryNames.printable(name) + "' is encrypted; payloads are never encrypted");
            }
            if (method != STORED && method != DEFLATED) {
                throw badZip("entry '" + EntryNames.printable(name) + "' uses compression method " + method
                        + "; only stored (0) and deflate (8) are allowed");
            }
            if (compressedSize == 0xFFFF_FFFFL || size == 0xFFFF_FFFFL || localOffset == 0xFFFF_FFFFL) {
                throw badZip("entry '" + EntryNames.printable(name) + "' uses ZIP64 sizes, which are not supported");
            }
            if (method == STORED && compressedSize != size) {
                throw badZip("stored entry '" + EntryNames.printable(name) + "' has compressed size "
                        + compressedSize + " but size " + size);
            }
            long cap = name.equals(PayloadLayout.MANIFEST) ? limits.maxManifestBytes() : limits.maxEntryBytes();
            if (size > cap) {
                throw new PayloadException(PayloadError.ENTRY_TOO_LARGE, "entry '" + EntryNames.printable(name)
                        + "' declares " + size + " bytes, over the cap of " + cap + " bytes for this entry");
            }
            total += size;
            if (total > limits.maxTotalBytes()) {
                throw new PayloadException(PayloadError.PAYLOAD_TOO_LARGE, "the entries inflate to more than "
                        + limits.maxTotalBytes() + " bytes in all, over the payload cap");
            }
            records.add(new Central(name, flags, method, crc, compressedSize, size, localOffset));
            at = next;
        }
        if (at != end) {
            throw badZip("the central directory holds more bytes than its " + entries + " records");
        }
        return records;
    }

    /** Checks the local header against the central record; returns where the entry's data starts. */
    private static long checkLocalHeader(byte[] zip, Central record, long centralOffset) throws PayloadException {
        String shown = EntryNames.printable(record.name());
        long at = record.localOffset();
        if (at + LOC_LENGTH > centralOffset || u32(zip, (int) at) != LOC_SIG) {
            throw badZip("entry '" + shown + "': no local header at offset " + at);
        }
        int local = (int) at;
        int flags = u16(zip, local + 6);
        int method = u16(zip, local + 8);
        int nameLength = u16(zip, local + 26);
        int extraLength = u16(zip, local + 28);
        long dataStart = at + LOC_LENGTH + nameLength + extraLength;
        if (dataStart + record.compressedSize() > centralOffset) {
            throw badZip("entry '" + shown + "' runs into the central directory");
        }
        String localName = decodeName(zip, local + LOC_LENGTH, nameLength, flags);
        if (!localName.equals(record.name()) || method != record.method() || flags != record.flags()) {
            throw badZip("entry '" + shown + "': the local header disagrees with the central directory "
                    + "(name, method or flags)");
        }
        if ((flags & FLAG_DATA_DESCRIPTOR) == 0 && (u32(zip, local + 14) != record.crc()
                || u32(zip, local + 18) != record.compressedSize() || u32(zip, local + 22) != record.size())) {
            throw badZip("entry '" + shown + "': the local header's CRC or sizes disagree with the central directory");
        }
        return dataStart;
    }

    private static void checkNoOverlap(List<Span> spans) throws PayloadException {
        List<Span> sorted = new ArrayList<>(spans);
        sorted.sort(Comparator.comparingLong(Span::start));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).start() < sorted.get(i - 1).end()) {
                throw badZip("entries '" + EntryNames.printable(sorted.get(i - 1).name()) + "' and '"
                        + EntryNames.printable(sorted.get(i).name()) + "' overlap in the file (a zip-bomb construction)");
            }
        }
    }

    private static byte[] inflate(byte[] zip, Central record, int dataStart) throws PayloadException {
        String shown = EntryNames.printable(record.name());
        byte[] out;
        if (record.method() == STORED) {
            out = new byte[(int) record.size()];
            System.arraycopy(zip, dataStart, out, 0, out.length);
        } else {
            out = inflateBounded(zip, dataStart, (int) record.compressedSize(), (int) record.size(), shown);
        }
        CRC32 crc = new CRC32();
        crc.update(out);
        if (crc.getValue() != record.crc()) {
            throw badZip("entry '" + shown + "' fails its CRC-32 check: the payload is corrupt");
        }
        return out;
    }

    /** Inflates into exactly {@code size} bytes and refuses the entry at the first byte past it. */
    private static byte[] inflateBounded(byte[] zip, int start, int length, int size, String shown)
            throws PayloadException {
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(zip, start, length);
            byte[] out = new byte[size];
            int filled = 0;
            while (filled < size) {
                int n = inflater.inflate(out, filled, size - filled);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    throw badZip("entry '" + shown + "' inflates to " + filled + " bytes, fewer than the "
                            + size + " it declares: the payload is corrupt");
                }
                filled += n;
            }
            if (!inflater.finished() && inflater.inflate(new byte[1]) > 0) {
                throw badZip("entry '" + shown + "' inflates to more than the " + size
                        + " bytes it declares (a corrupt entry or a zip bomb); refused without inflating further");
            }
            if (!inflater.finished() || inflater.getRemaining() > 0) {
                throw badZip("entry '" + shown + "': the deflate stream does not end where the entry does");
            }
            return out;
        } catch (DataFormatException e) {
            throw new PayloadException(PayloadError.BAD_ZIP, "entry '" + shown + "' is not valid deflate data: "
                    + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }

    private static String decodeName(byte[] zip, int at, int length, int flags) throws PayloadException {
        if ((flags & FLAG_UTF8) == 0) {
            // Without the UTF-8 flag a name is IBM 437 (APPNOTE appendix D); allow only its ASCII
            // subset, where every tool agrees on the meaning.
            for (int i = at; i < at + length; i++) {
                if (zip[i] < 0) {
                    throw new PayloadException(PayloadError.UNSAFE_ENTRY_NAME, "an entry name has non-ASCII bytes "
                            + "without the UTF-8 flag; rebuild the payload with hvpatch");
                }
            }
            return new String(zip, at, length, StandardCharsets.US_ASCII);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(zip, at, length)).toString();
        } catch (CharacterCodingException e) {
            throw new PayloadException(PayloadError.UNSAFE_ENTRY_NAME, "an entry name is flagged UTF-8 but is not "
                    + "valid UTF-8; rebuild the payload with hvpatch", e);
        }
    }

    private static int u16(byte[] b, int at) throws PayloadException {
        if (at < 0 || at + 2 > b.length) {
            throw badZip("the ZIP structure points past the end of the file (truncated or corrupt)");
        }
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8;
    }

    private static long u32(byte[] b, int at) throws PayloadException {
        return u16(b, at) | (long) u16(b, at + 2) << 16;
    }

    private static PayloadException badZip(String problem) {
        return new PayloadException(PayloadError.BAD_ZIP, "not a valid payload ZIP: " + problem);
    }
}
