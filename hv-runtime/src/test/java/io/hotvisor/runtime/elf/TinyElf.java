package io.hotvisor.runtime.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds small RV64 guests in code for tests: a few hand-encoded instructions in one PT_LOAD
 * segment at 0x80200000, wrapped in a minimal ELF executable.
 */
public final class TinyElf {
    public static final long LOAD_ADDRESS = 0x8020_0000L;
    public static final int ZERO = 0, RA = 1, T0 = 5, T1 = 6, A0 = 10, A1 = 11, A2 = 12, A6 = 16, A7 = 17;

    private final List<Integer> words = new ArrayList<>();

    public TinyElf emit(int word) { words.add(word); return this; }

    public TinyElf lui(int rd, int imm20) { return emit((imm20 << 12) | (rd << 7) | 0x37); }
    public TinyElf auipc(int rd, int imm20) { return emit((imm20 << 12) | (rd << 7) | 0x17); }
    public TinyElf addi(int rd, int rs1, int imm) { return emit(((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13); }
    public TinyElf ecall() { return emit(0x73); }
    public TinyElf sd(int rs2, int offset, int rs1) {
        return emit(((offset >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((offset & 31) << 7) | 0x23);
    }
    public TinyElf ld(int rd, int offset, int rs1) {
        return emit(((offset & 0xfff) << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x03);
    }

    /** {@code beq rs1, rs2, offset} (offset in bytes from this instruction). */
    public TinyElf beq(int rs1, int rs2, int offset) {
        int imm = ((offset >> 12) & 1) << 31 | ((offset >> 5) & 0x3f) << 25 | ((offset >> 1) & 0xf) << 8 | ((offset >> 11) & 1) << 7;
        return emit(imm | (rs2 << 20) | (rs1 << 15) | 0x63);
    }

    /** Byte offset of the next instruction from {@link #LOAD_ADDRESS}. */
    public int offset() { return words.size() * 4; }

    /** Pads with {@code nop}s up to byte offset {@code target}. */
    public TinyElf padTo(int target) {
        while (offset() < target) addi(ZERO, ZERO, 0);
        return this;
    }

    /** An endless loop: {@code j .}. */
    public TinyElf spin() { return emit(0x6f); }

    /** Loads a 32-bit signed constant. */
    public TinyElf li(int rd, long value) {
        if (value >= -2048 && value < 2048) return addi(rd, ZERO, (int) value);
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) throw new IllegalArgumentException("32-bit constants only");
        int v = (int) value;
        int hi = (v + 0x800) >>> 12;
        int lo = v - (hi << 12);
        lui(rd, hi & 0xfffff);
        return lo == 0 ? this : addi(rd, rd, lo);
    }

    /** An SBI call: a7 = extension, a6 = function, a0..a2 = arguments. */
    public TinyElf sbi(long eid, long fid, long... args) {
        for (int i = 0; i < args.length; i++) li(A0 + i, args[i]);
        li(A7, eid).li(A6, fid);
        return ecall();
    }

    /** SBI SRST shutdown with {@code reason}. */
    public TinyElf shutdown(long reason) {
        return sbi(0x53525354L, 0, 0, reason);
    }

    public byte[] build() {
        ByteBuffer code = ByteBuffer.allocate(words.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) code.putInt(w);
        return wrap(code.array());
    }

    /** A minimal RV64 executable: {@code code} loaded at {@link #LOAD_ADDRESS} (read, write, execute) and entered at its first byte. */
    public static byte[] wrap(byte[] code) {
        int codeOffset = 64 + 56;
        ByteBuffer b = ByteBuffer.allocate(codeOffset + code.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.position(16);
        b.putShort((short) 2).putShort((short) 243).putInt(1).putLong(LOAD_ADDRESS).putLong(64).putLong(0)
                .putInt(0).putShort((short) 64).putShort((short) 56).putShort((short) 1)
                .putShort((short) 64).putShort((short) 0).putShort((short) 0);
        b.putInt(1).putInt(7).putLong(codeOffset).putLong(LOAD_ADDRESS).putLong(LOAD_ADDRESS)
                .putLong(code.length).putLong(code.length).putLong(4096);
        b.put(code);
        return b.array();
    }
}
