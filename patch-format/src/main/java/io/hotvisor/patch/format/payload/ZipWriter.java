package io.hotvisor.patch.format.payload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes the deterministic ZIP of README "Container layout": every entry stored (method 0, so the
 * bytes do not depend on a zlib version), in the order given, with the fixed time 1980-01-01 00:00,
 * the UTF-8 name flag, no extra fields, no comments and no data descriptors.
 */
final class ZipWriter {
    private static final int VERSION = 20;        // 2.0: the lowest version with folders and UTF-8 names in practice
    private static final int FLAG_UTF8 = 0x0800;  // APPNOTE 4.4.4 bit 11: names are UTF-8
    private static final int DOS_TIME = 0;        // 00:00:00
    private static final int DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the DOS epoch

    private ZipWriter() {
    }

    /** The ZIP bytes of {@code items}, in the given order. */
    static byte[] write(List<ZipItem> items) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<Long> offsets = new ArrayList<>();
        List<Long> crcs = new ArrayList<>();
        for (ZipItem item : items) {
            offsets.add((long) out.size());
            CRC32 crc = new CRC32();
            crc.update(item.bytes());
            crcs.add(crc.getValue());
            byte[] name = item.name().getBytes(StandardCharsets.UTF_8);
            u32(out, 0x04034b50);
            u16(out, VERSION);
            u16(out, FLAG_UTF8);
            u16(out, 0);                  // stored
            u16(out, DOS_TIME);
            u16(out, DOS_DATE);
            u32(out, crc.getValue());
            u32(out, item.bytes().length); // compressed size
            u32(out, item.bytes().length); // uncompressed size
            u16(out, name.length);
            u16(out, 0);                  // extra length
            out.writeBytes(name);
            out.writeBytes(item.bytes());
        }
        long centralStart = out.size();
        for (int i = 0; i < items.size(); i++) {
            ZipItem item = items.get(i);
            byte[] name = item.name().getBytes(StandardCharsets.UTF_8);
            u32(out, 0x02014b50);
            u16(out, VERSION);            // version made by: MS-DOS host, 2.0
            u16(out, VERSION);
            u16(out, FLAG_UTF8);
            u16(out, 0);
            u16(out, DOS_TIME);
            u16(out, DOS_DATE);
            u32(out, crcs.get(i));
            u32(out, item.bytes().length);
            u32(out, item.bytes().length);
            u16(out, name.length);
            u16(out, 0);                  // extra length
            u16(out, 0);                  // comment length
            u16(out, 0);                  // disk number start
            u16(out, 0);                  // internal attributes
            u32(out, 0);                  // external attributes
            u32(out, offsets.get(i));
            out.writeBytes(name);
        }
        long centralSize = out.size() - centralStart;
        u32(out, 0x06054b50);
        u16(out, 0);
        u16(out, 0);
        u16(out, items.size());
        u16(out, items.size());
        u32(out, centralSize);
        u32(out, centralStart);
        u16(out, 0);                      // comment length
        return out.toByteArray();
    }

    private static void u16(ByteArrayOutputStream out, int value) {
        out.write(value & 0xFF);
        out.write((value >>> 8) & 0xFF);
    }

    private static void u32(ByteArrayOutputStream out, long value) {
        u16(out, (int) (value & 0xFFFF));
        u16(out, (int) ((value >>> 16) & 0xFFFF));
    }
}
