package io.hotvisor.patch.format.payload;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Builds ZIPs that the production writer never would: duplicate names, deflated entries, headers
 * that lie about sizes, entries that share their data. Only for tests of the reader.
 */
final class RawZip {
    /** One entry; {@code declaredSize} &lt; 0 means "the real size". */
    record Entry(String name, byte[] data, boolean deflate, long declaredSize, byte[] rawCompressed) {
        static Entry stored(String name, byte[] data) {
            return new Entry(name, data, false, -1, null);
        }

        static Entry deflated(String name, byte[] data) {
            return new Entry(name, data, true, -1, null);
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    RawZip add(Entry entry) {
        entries.add(entry);
        return this;
    }

    RawZip stored(String name, byte[] data) {
        return add(Entry.stored(name, data));
    }

    RawZip deflated(String name, byte[] data) {
        return add(Entry.deflated(name, data));
    }

    /**
     * Adds an entry whose compressed bytes are given as they are, with a declared size and CRC;
     * the way to build zip bombs without inflating them first.
     */
    RawZip precompressed(String name, byte[] compressed, long declaredSize) {
        return add(new Entry(name, null, true, declaredSize, compressed));
    }

    byte[] build() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<long[]> headers = new ArrayList<>(); // offset, crc, csize, size, method
        for (Entry e : entries) {
            byte[] compressed = e.rawCompressed != null ? e.rawCompressed : e.deflate ? deflate(e.data) : e.data;
            long crc = e.data == null ? 0 : crc(e.data);
            long size = e.declaredSize >= 0 ? e.declaredSize : e.data.length;
            int method = e.deflate ? 8 : 0;
            headers.add(new long[] {out.size(), crc, compressed.length, size, method});
            byte[] name = e.name.getBytes(StandardCharsets.UTF_8);
            u32(out, 0x04034b50);
            u16(out, 20);
            u16(out, 0x0800);
            u16(out, method);
            u16(out, 0);
            u16(out, 0x21);
            u32(out, crc);
            u32(out, compressed.length);
            u32(out, size);
            u16(out, name.length);
            u16(out, 0);
            out.writeBytes(name);
            out.writeBytes(compressed);
        }
        int centralStart = out.size();
        for (int i = 0; i < entries.size(); i++) {
            long[] h = headers.get(i);
            byte[] name = entries.get(i).name.getBytes(StandardCharsets.UTF_8);
            u32(out, 0x02014b50);
            u16(out, 20);
            u16(out, 20);
            u16(out, 0x0800);
            u16(out, (int) h[4]);
            u16(out, 0);
            u16(out, 0x21);
            u32(out, h[1]);
            u32(out, h[2]);
            u32(out, h[3]);
            u16(out, name.length);
            u16(out, 0);
            u16(out, 0);
            u16(out, 0);
            u16(out, 0);
            u32(out, 0);
            u32(out, h[0]);
            out.writeBytes(name);
        }
        int centralSize = out.size() - centralStart;
        u32(out, 0x06054b50);
        u16(out, 0);
        u16(out, 0);
        u16(out, entries.size());
        u16(out, entries.size());
        u32(out, centralSize);
        u32(out, centralStart);
        u16(out, 0);
        return out.toByteArray();
    }

    static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    static long crc(byte[] data) {
        CRC32 crc = new CRC32();
        crc.update(data);
        return crc.getValue();
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
