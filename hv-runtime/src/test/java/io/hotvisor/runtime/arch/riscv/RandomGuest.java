package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;

import io.hotvisor.runtime.elf.TinyElf;
import java.util.SplittableRandom;

/**
 * Generates guests for differential runs against QEMU and for benchmarks: random straight-line
 * RV64IMC code (ALU, multiply/divide, loads and stores into a data area of the image, compressed
 * forms) run in a loop, then a checksum of every register and the data area printed in hex over
 * the SBI legacy console, then an SBI SRST shutdown. The same seed gives the same guest.
 *
 * <p>The loop makes each block hot enough for the translator; with {@code misaligned}, loads and
 * stores use any offset, exercising the firmware's (and Hotvisor's) completion of misaligned
 * accesses.
 */
public final class RandomGuest {
    /** Registers the random code computes in; s0 (data base), s1 (loop count), s2 (checksum), ra and t4-t6 (scratch) are reserved. */
    private static final int[] POOL = {T0, T1, T2, A0, A1, A2, A3, A4, A5, 16, 17, S3, T3};
    private static final int[] COMPRESSED_POOL = {A0, A1, A2, A3, A4, A5};
    private static final int S2 = 18;
    private static final int DATA_BYTES = 2048;

    private RandomGuest() {}

    /**
     * @param instructions random instructions in the loop body
     * @param iterations   times the body runs
     * @return a loadable ELF executable
     */
    public static byte[] elf(long seed, int instructions, int iterations, boolean misaligned) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Asm a = new Asm().la(S0, "data").li(S1, iterations);
        for (int r : POOL) a.li(r, rnd.nextLong());
        a.label("loop");
        for (int i = 0; i < instructions; i++) instruction(a, rnd, misaligned);
        a.addi(S1, S1, -1).bne(S1, ZERO, "loop");
        checksum(a);
        // The data gets pages of its own: stores next to code would make QEMU (and Hotvisor) drop
        // translations of the code page over and over, which is not what these guests measure.
        a.align4();
        while ((a.offset() & 0xfff) != 0) a.word(0);
        a.label("data");
        for (int i = 0; i < DATA_BYTES / 4 + 4; i++) a.word(rnd.nextInt());
        return TinyElf.wrap(a.bytes());
    }

    private static int reg(SplittableRandom rnd) { return POOL[rnd.nextInt(POOL.length)]; }

    private static int creg(SplittableRandom rnd) { return COMPRESSED_POOL[rnd.nextInt(COMPRESSED_POOL.length)]; }

    private static void instruction(Asm a, SplittableRandom rnd, boolean misaligned) {
        int rd = reg(rnd), rs1 = reg(rnd), rs2 = reg(rnd);
        int imm = rnd.nextInt(4096) - 2048;
        int kind = rnd.nextInt(60);
        switch (kind) {
            case 0 -> a.add(rd, rs1, rs2);
            case 1 -> a.sub(rd, rs1, rs2);
            case 2 -> a.xor(rd, rs1, rs2);
            case 3 -> a.or(rd, rs1, rs2);
            case 4 -> a.and(rd, rs1, rs2);
            case 5 -> a.sll(rd, rs1, rs2);
            case 6 -> a.srl(rd, rs1, rs2);
            case 7 -> a.sra(rd, rs1, rs2);
            case 8 -> a.slt(rd, rs1, rs2);
            case 9 -> a.sltu(rd, rs1, rs2);
            case 10 -> a.addw(rd, rs1, rs2);
            case 11 -> a.subw(rd, rs1, rs2);
            case 12 -> a.sllw(rd, rs1, rs2);
            case 13 -> a.srlw(rd, rs1, rs2);
            case 14 -> a.sraw(rd, rs1, rs2);
            case 15 -> a.mul(rd, rs1, rs2);
            case 16 -> a.mulh(rd, rs1, rs2);
            case 17 -> a.mulhu(rd, rs1, rs2);
            case 18 -> a.mulhsu(rd, rs1, rs2);
            case 19 -> a.mulw(rd, rs1, rs2);
            case 20 -> a.div(rd, rs1, rs2);
            case 21 -> a.divu(rd, rs1, rs2);
            case 22 -> a.rem(rd, rs1, rs2);
            case 23 -> a.remu(rd, rs1, rs2);
            case 24 -> a.divw(rd, rs1, rs2);
            case 25 -> a.divuw(rd, rs1, rs2);
            case 26 -> a.remw(rd, rs1, rs2);
            case 27 -> a.remuw(rd, rs1, rs2);
            case 28 -> a.addi(rd, rs1, imm);
            case 29 -> a.xori(rd, rs1, imm);
            case 30 -> a.ori(rd, rs1, imm);
            case 31 -> a.andi(rd, rs1, imm);
            case 32 -> a.slti(rd, rs1, imm);
            case 33 -> a.sltiu(rd, rs1, imm);
            case 34 -> a.slli(rd, rs1, rnd.nextInt(64));
            case 35 -> a.srli(rd, rs1, rnd.nextInt(64));
            case 36 -> a.srai(rd, rs1, rnd.nextInt(64));
            case 37 -> a.addiw(rd, rs1, imm);
            case 38 -> a.slliw(rd, rs1, rnd.nextInt(32));
            case 39 -> a.srliw(rd, rs1, rnd.nextInt(32));
            case 40 -> a.sraiw(rd, rs1, rnd.nextInt(32));
            case 41 -> a.lui(rd, rnd.nextInt(1 << 20));
            case 42, 43, 44, 45, 46, 47, 48 -> {
                int width = 1 << rnd.nextInt(4);
                int off = offset(rnd, width, misaligned);
                boolean unsigned = rnd.nextBoolean() && width < 8;
                switch (width) {
                    case 1 -> { if (unsigned) a.lbu(rd, S0, off); else a.lb(rd, S0, off); }
                    case 2 -> { if (unsigned) a.lhu(rd, S0, off); else a.lh(rd, S0, off); }
                    case 4 -> { if (unsigned) a.lwu(rd, S0, off); else a.lw(rd, S0, off); }
                    default -> a.ld(rd, S0, off);
                }
            }
            case 49, 50, 51, 52, 53 -> {
                int width = 1 << rnd.nextInt(4);
                int off = offset(rnd, width, misaligned);
                switch (width) {
                    case 1 -> a.sb(rs2, S0, off);
                    case 2 -> a.sh(rs2, S0, off);
                    case 4 -> a.sw(rs2, S0, off);
                    default -> a.sd(rs2, S0, off);
                }
            }
            case 54 -> a.cAdd(rd, rs2);
            case 55 -> a.cMv(rd, rs2);
            case 56 -> a.cAddi(rd, rnd.nextInt(31) + 1);
            case 57 -> a.cSlli(rd, rnd.nextInt(63) + 1);
            case 58 -> {
                int cd = creg(rnd), cs = creg(rnd);
                switch (rnd.nextInt(6)) {
                    case 0 -> a.cSub(cd, cs);
                    case 1 -> a.cXor(cd, cs);
                    case 2 -> a.cAnd(cd, cs);
                    case 3 -> a.cAddw(cd, cs);
                    case 4 -> a.cSrai(cd, rnd.nextInt(63) + 1);
                    default -> a.cAndi(cd, rnd.nextInt(64) - 32);
                }
            }
            default -> a.addw(rd, rs1, rs2);
        }
    }

    private static int offset(SplittableRandom rnd, int width, boolean misaligned) {
        int off = rnd.nextInt(DATA_BYTES - 8);
        return misaligned ? off : off & -width;
    }

    /** s2 = a rotate-xor fold of the pool registers and the data area; printed as 16 hex digits and a newline; then SRST. */
    private static void checksum(Asm a) {
        a.li(S2, 0);
        for (int r : POOL) fold(a, r);
        a.mv(T5, S0).li(T4, DATA_BYTES / 8).label("sum");
        a.ld(T6, T5, 0);
        fold(a, T6);
        a.addi(T5, T5, 8).addi(T4, T4, -1).bne(T4, ZERO, "sum");
        for (int shift = 60; shift >= 0; shift -= 4) {
            a.srli(T6, S2, shift).andi(T6, T6, 15).li(T5, 10).blt(T6, T5, "digit" + shift).addi(T6, T6, 'a' - '0' - 10)
                    .label("digit" + shift).addi(A0, T6, '0');
            putchar(a);
        }
        a.li(A0, '\n');
        putchar(a);
        a.li(A7, 0x53525354L).li(16, 0).li(A0, 0).li(A1, 0).ecall(); // SRST: shutdown, no reason
        a.label("hang").j("hang");
    }

    /** s2 = rotl(s2, 5) ^ r, with ra as the scratch register (the guests make no calls). */
    private static void fold(Asm a, int r) {
        a.slli(RA, S2, 5).srli(S2, S2, 59).or(S2, S2, RA).xor(S2, S2, r);
    }

    private static void putchar(Asm a) {
        a.li(A7, 1).ecall(); // SBI legacy console_putchar(a0)
    }
}
