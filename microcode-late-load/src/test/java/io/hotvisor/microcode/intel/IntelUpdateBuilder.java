package io.hotvisor.microcode.intel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds Intel microcode updates in code, valid by default (checksums computed as Intel SDM vol. 3A
 * section 10.11 defines them), so each test can break exactly one rule afterwards.
 */
public final class IntelUpdateBuilder {

    private int headerVersion = 1;
    private int revision = 0xf4;
    private int date = 0x11172024;
    private int signature = 0x000806ec;
    private int loaderRevision = 1;
    private int flags = 0x94;
    private Integer dataSizeField;
    private Integer totalSizeField;
    private int metadataSize;
    private int minRequiredRevision;
    private int dataLength = 1024 - 48;
    private final List<int[]> extended = new ArrayList<>();

    public IntelUpdateBuilder headerVersion(int v) {
        headerVersion = v;
        return this;
    }

    public IntelUpdateBuilder revision(int v) {
        revision = v;
        return this;
    }

    public IntelUpdateBuilder date(int v) {
        date = v;
        return this;
    }

    public IntelUpdateBuilder signature(int v) {
        signature = v;
        return this;
    }

    public IntelUpdateBuilder loaderRevision(int v) {
        loaderRevision = v;
        return this;
    }

    public IntelUpdateBuilder flags(int v) {
        flags = v;
        return this;
    }

    /** Data bytes actually written after the header. */
    public IntelUpdateBuilder dataLength(int v) {
        dataLength = v;
        return this;
    }

    /** Overrides the data size field (default: the data length). */
    public IntelUpdateBuilder dataSizeField(int v) {
        dataSizeField = v;
        return this;
    }

    /** Overrides the total size field (default: the bytes written). */
    public IntelUpdateBuilder totalSizeField(int v) {
        totalSizeField = v;
        return this;
    }

    public IntelUpdateBuilder metadataSize(int v) {
        metadataSize = v;
        return this;
    }

    public IntelUpdateBuilder minRequiredRevision(int v) {
        minRequiredRevision = v;
        return this;
    }

    /** Adds an extended signature entry; its checksum is computed to be valid. */
    public IntelUpdateBuilder extended(int sig, int pf) {
        extended.add(new int[] {sig, pf});
        return this;
    }

    /** The update's bytes. */
    public byte[] build() {
        int extSize = extended.isEmpty() ? 0 : 20 + 12 * extended.size();
        int length = 48 + dataLength + extSize;
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x00, headerVersion);
        b.putInt(0x04, revision);
        b.putInt(0x08, date);
        b.putInt(0x0C, signature);
        b.putInt(0x14, loaderRevision);
        b.putInt(0x18, flags);
        b.putInt(0x1C, dataSizeField != null ? dataSizeField : dataLength);
        b.putInt(0x20, totalSizeField != null ? totalSizeField : length);
        b.putInt(0x24, metadataSize);
        b.putInt(0x28, minRequiredRevision);
        for (int i = 0; i < dataLength; i++) {
            b.put(48 + i, (byte) (i * 31 + 7));
        }
        int checksum = -sum(b, 0, 48 + dataLength);
        b.putInt(0x10, checksum);
        if (extSize > 0) {
            int ext = 48 + dataLength;
            b.putInt(ext, extended.size());
            for (int i = 0; i < extended.size(); i++) {
                int e = ext + 20 + 12 * i;
                int sig = extended.get(i)[0];
                int pf = extended.get(i)[1];
                b.putInt(e, sig);
                b.putInt(e + 4, pf);
                b.putInt(e + 8, signature + flags + checksum - sig - pf);
            }
            b.putInt(ext + 4, -sum(b, ext, extSize));
        }
        return b.array();
    }

    /** Sum of the little-endian dwords in {@code [from, from + length)}. */
    public static int sum(ByteBuffer b, int from, int length) {
        int s = 0;
        for (int i = 0; i + 4 <= length; i += 4) {
            s += b.getInt(from + i);
        }
        return s;
    }

    /** Writes a little-endian dword into {@code bytes}. */
    public static void putInt(byte[] bytes, int offset, int value) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(offset, value);
    }

    /** Reads a little-endian dword from {@code bytes}. */
    public static int getInt(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(offset);
    }

    /** Concatenates updates into one file. */
    public static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
