package io.hotvisor.runtime.arch.riscv;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A test-only RV64IMAC + Zicsr assembler: enough of the base encodings (RISC-V ISA manual, "RV32I
 * Base Integer Instruction Set", instruction formats R/I/S/B/U/J) and of the RVC quadrants to write
 * the snippets the interpreter tests run.
 *
 * <p>Programs are assembled for {@link TestMachine#CODE}; branch and jump targets may be labels,
 * bound before or after their use. Compressed instructions are encoded by hand from the RVC tables,
 * independently of {@link Decoder}; {@code AsmTest} pins both kinds against a real assembler.
 */
final class Asm {
    static final int ZERO = 0, RA = 1, SP = 2, GP = 3, TP = 4, T0 = 5, T1 = 6, T2 = 7, S0 = 8, S1 = 9;
    static final int A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, A6 = 16, A7 = 17;
    static final int S2 = 18, S3 = 19, T3 = 28, T4 = 29, T5 = 30, T6 = 31;

    /** AMO funct5 values (RISC-V ISA manual, "A" extension, AMO encodings). */
    static final int AMOADD = 0x00, AMOSWAP = 0x01, AMOXOR = 0x04, AMOOR = 0x08, AMOAND = 0x0c,
            AMOMIN = 0x10, AMOMAX = 0x14, AMOMINU = 0x18, AMOMAXU = 0x1c;

    private byte[] code = new byte[256];
    private int size;
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Fixup> fixups = new ArrayList<>();

    private enum Form { B, J, AUIPC_ADDI, CJ, CB }

    private record Fixup(int at, Form form, String label) {}

    /** Bytes emitted so far, with every label use resolved. */
    byte[] bytes() {
        for (Fixup f : fixups) {
            Integer target = labels.get(f.label());
            if (target == null) throw new IllegalStateException("label never bound: " + f.label());
            int off = target - f.at();
            switch (f.form()) {
                case B -> patch32(f.at(), read32(f.at()) | bImm(off));
                case J -> patch32(f.at(), read32(f.at()) | jImm(off));
                case AUIPC_ADDI -> {
                    int lo = (off << 20) >> 20;
                    patch32(f.at(), read32(f.at()) | ((off - lo) & 0xfffff000));
                    patch32(f.at() + 4, read32(f.at() + 4) | (lo << 20));
                }
                case CJ -> patch16(f.at(), read16(f.at()) | cjImm(off));
                case CB -> patch16(f.at(), read16(f.at()) | cbImm(off));
            }
        }
        return Arrays.copyOf(code, size);
    }

    /** Offset of the next instruction from the start of the program. */
    int offset() { return size; }

    /** Guest address of the next instruction. */
    long here() { return TestMachine.CODE + size; }

    Asm label(String name) {
        if (labels.putIfAbsent(name, size) != null) throw new IllegalStateException("label bound twice: " + name);
        return this;
    }

    /** Pads with a c.nop to a 4-byte boundary, as stvec's BASE requires. */
    Asm align4() { return (size & 2) != 0 ? cNop() : this; }

    Asm word(int w) {
        half(w & 0xffff);
        return half(w >>> 16);
    }

    Asm half(int h) {
        if (size + 2 > code.length) code = Arrays.copyOf(code, code.length * 2);
        code[size++] = (byte) h;
        code[size++] = (byte) (h >>> 8);
        return this;
    }

    // ---- formats ----

    static int r(int f7, int rs2, int rs1, int f3, int rd, int opcode) {
        return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
    }

    static int i(int imm, int rs1, int f3, int rd, int opcode) {
        checkRange(imm, -2048, 2047);
        return imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
    }

    static int s(int imm, int rs2, int rs1, int f3, int opcode) {
        checkRange(imm, -2048, 2047);
        return (imm >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 31) << 7 | opcode;
    }

    static int bImm(int off) {
        checkRange(off, -4096, 4094);
        return ((off >> 12) & 1) << 31 | ((off >> 5) & 0x3f) << 25 | ((off >> 1) & 0xf) << 8 | ((off >> 11) & 1) << 7;
    }

    static int jImm(int off) {
        checkRange(off, -(1 << 20), (1 << 20) - 2);
        return ((off >> 20) & 1) << 31 | ((off >> 1) & 0x3ff) << 21 | ((off >> 11) & 1) << 20 | ((off >> 12) & 0xff) << 12;
    }

    // ---- RV64I ----

    Asm lui(int rd, int imm20) { return word((imm20 & 0xfffff) << 12 | rd << 7 | 0x37); }
    Asm auipc(int rd, int imm20) { return word((imm20 & 0xfffff) << 12 | rd << 7 | 0x17); }
    Asm jal(int rd, int offset) { return word(jImm(offset) | rd << 7 | 0x6f); }
    Asm jal(int rd, String label) { fixup(Form.J, label); return word(rd << 7 | 0x6f); }
    Asm j(String label) { return jal(ZERO, label); }
    Asm jalr(int rd, int rs1, int imm) { return word(i(imm, rs1, 0, rd, 0x67)); }

    Asm beq(int rs1, int rs2, String l) { return branch(0, rs1, rs2, l); }
    Asm bne(int rs1, int rs2, String l) { return branch(1, rs1, rs2, l); }
    Asm blt(int rs1, int rs2, String l) { return branch(4, rs1, rs2, l); }
    Asm bge(int rs1, int rs2, String l) { return branch(5, rs1, rs2, l); }
    Asm bltu(int rs1, int rs2, String l) { return branch(6, rs1, rs2, l); }
    Asm bgeu(int rs1, int rs2, String l) { return branch(7, rs1, rs2, l); }

    private Asm branch(int f3, int rs1, int rs2, String label) {
        fixup(Form.B, label);
        return word(r(0, rs2, rs1, f3, 0, 0x63));
    }

    Asm lb(int rd, int rs1, int imm) { return word(i(imm, rs1, 0, rd, 0x03)); }
    Asm lh(int rd, int rs1, int imm) { return word(i(imm, rs1, 1, rd, 0x03)); }
    Asm lw(int rd, int rs1, int imm) { return word(i(imm, rs1, 2, rd, 0x03)); }
    Asm ld(int rd, int rs1, int imm) { return word(i(imm, rs1, 3, rd, 0x03)); }
    Asm lbu(int rd, int rs1, int imm) { return word(i(imm, rs1, 4, rd, 0x03)); }
    Asm lhu(int rd, int rs1, int imm) { return word(i(imm, rs1, 5, rd, 0x03)); }
    Asm lwu(int rd, int rs1, int imm) { return word(i(imm, rs1, 6, rd, 0x03)); }
    Asm sb(int rs2, int rs1, int imm) { return word(s(imm, rs2, rs1, 0, 0x23)); }
    Asm sh(int rs2, int rs1, int imm) { return word(s(imm, rs2, rs1, 1, 0x23)); }
    Asm sw(int rs2, int rs1, int imm) { return word(s(imm, rs2, rs1, 2, 0x23)); }
    Asm sd(int rs2, int rs1, int imm) { return word(s(imm, rs2, rs1, 3, 0x23)); }

    Asm addi(int rd, int rs1, int imm) { return word(i(imm, rs1, 0, rd, 0x13)); }
    Asm slti(int rd, int rs1, int imm) { return word(i(imm, rs1, 2, rd, 0x13)); }
    Asm sltiu(int rd, int rs1, int imm) { return word(i(imm, rs1, 3, rd, 0x13)); }
    Asm xori(int rd, int rs1, int imm) { return word(i(imm, rs1, 4, rd, 0x13)); }
    Asm ori(int rd, int rs1, int imm) { return word(i(imm, rs1, 6, rd, 0x13)); }
    Asm andi(int rd, int rs1, int imm) { return word(i(imm, rs1, 7, rd, 0x13)); }
    Asm slli(int rd, int rs1, int shamt) { return word(i(shamt & 63, rs1, 1, rd, 0x13)); }
    Asm srli(int rd, int rs1, int shamt) { return word(i(shamt & 63, rs1, 5, rd, 0x13)); }
    Asm srai(int rd, int rs1, int shamt) { return word(i(0x400 | (shamt & 63), rs1, 5, rd, 0x13)); }

    Asm add(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 0, rd, 0x33)); }
    Asm sub(int rd, int rs1, int rs2) { return word(r(0x20, rs2, rs1, 0, rd, 0x33)); }
    Asm sll(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 1, rd, 0x33)); }
    Asm slt(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 2, rd, 0x33)); }
    Asm sltu(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 3, rd, 0x33)); }
    Asm xor(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 4, rd, 0x33)); }
    Asm srl(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 5, rd, 0x33)); }
    Asm sra(int rd, int rs1, int rs2) { return word(r(0x20, rs2, rs1, 5, rd, 0x33)); }
    Asm or(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 6, rd, 0x33)); }
    Asm and(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 7, rd, 0x33)); }

    Asm addiw(int rd, int rs1, int imm) { return word(i(imm, rs1, 0, rd, 0x1b)); }
    Asm slliw(int rd, int rs1, int shamt) { return word(i(shamt & 31, rs1, 1, rd, 0x1b)); }
    Asm srliw(int rd, int rs1, int shamt) { return word(i(shamt & 31, rs1, 5, rd, 0x1b)); }
    Asm sraiw(int rd, int rs1, int shamt) { return word(i(0x400 | (shamt & 31), rs1, 5, rd, 0x1b)); }
    Asm addw(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 0, rd, 0x3b)); }
    Asm subw(int rd, int rs1, int rs2) { return word(r(0x20, rs2, rs1, 0, rd, 0x3b)); }
    Asm sllw(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 1, rd, 0x3b)); }
    Asm srlw(int rd, int rs1, int rs2) { return word(r(0, rs2, rs1, 5, rd, 0x3b)); }
    Asm sraw(int rd, int rs1, int rs2) { return word(r(0x20, rs2, rs1, 5, rd, 0x3b)); }

    Asm fenceI() { return word(0x0000100f); }
    Asm ecall() { return word(0x00000073); }
    Asm ebreak() { return word(0x00100073); }
    Asm sret() { return word(0x10200073); }
    Asm wfi() { return word(0x10500073); }
    Asm nop() { return addi(ZERO, ZERO, 0); }

    // ---- M ----

    Asm mul(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 0, rd, 0x33)); }
    Asm mulh(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 1, rd, 0x33)); }
    Asm mulhsu(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 2, rd, 0x33)); }
    Asm mulhu(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 3, rd, 0x33)); }
    Asm div(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 4, rd, 0x33)); }
    Asm divu(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 5, rd, 0x33)); }
    Asm rem(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 6, rd, 0x33)); }
    Asm remu(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 7, rd, 0x33)); }
    Asm mulw(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 0, rd, 0x3b)); }
    Asm divw(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 4, rd, 0x3b)); }
    Asm divuw(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 5, rd, 0x3b)); }
    Asm remw(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 6, rd, 0x3b)); }
    Asm remuw(int rd, int rs1, int rs2) { return word(r(1, rs2, rs1, 7, rd, 0x3b)); }

    // ---- A ----

    Asm lrW(int rd, int rs1) { return word(r(0x02 << 2, 0, rs1, 2, rd, 0x2f)); }
    Asm lrD(int rd, int rs1) { return word(r(0x02 << 2, 0, rs1, 3, rd, 0x2f)); }
    Asm scW(int rd, int rs2, int rs1) { return word(r(0x03 << 2, rs2, rs1, 2, rd, 0x2f)); }
    Asm scD(int rd, int rs2, int rs1) { return word(r(0x03 << 2, rs2, rs1, 3, rd, 0x2f)); }
    Asm amoW(int funct5, int rd, int rs2, int rs1) { return word(r(funct5 << 2, rs2, rs1, 2, rd, 0x2f)); }
    Asm amoD(int funct5, int rd, int rs2, int rs1) { return word(r(funct5 << 2, rs2, rs1, 3, rd, 0x2f)); }

    // ---- Zicsr ----

    Asm csrrw(int rd, int csr, int rs1) { return word(csr << 20 | rs1 << 15 | 1 << 12 | rd << 7 | 0x73); }
    Asm csrrs(int rd, int csr, int rs1) { return word(csr << 20 | rs1 << 15 | 2 << 12 | rd << 7 | 0x73); }
    Asm csrrc(int rd, int csr, int rs1) { return word(csr << 20 | rs1 << 15 | 3 << 12 | rd << 7 | 0x73); }
    Asm csrrwi(int rd, int csr, int zimm) { return word(csr << 20 | zimm << 15 | 5 << 12 | rd << 7 | 0x73); }
    Asm csrrsi(int rd, int csr, int zimm) { return word(csr << 20 | zimm << 15 | 6 << 12 | rd << 7 | 0x73); }
    Asm csrrci(int rd, int csr, int zimm) { return word(csr << 20 | zimm << 15 | 7 << 12 | rd << 7 | 0x73); }
    Asm csrr(int rd, int csr) { return csrrs(rd, csr, ZERO); }
    Asm csrw(int csr, int rs1) { return csrrw(ZERO, csr, rs1); }

    // ---- pseudo-instructions ----

    /** Loads any 64-bit constant: lui/addiw for 32-bit values, else the upper part, shifted, plus a 12-bit rest. */
    Asm li(int rd, long value) {
        if (value >= -2048 && value <= 2047) return addi(rd, ZERO, (int) value);
        if (value == (int) value) {
            int lo = ((int) value << 20) >> 20;
            lui(rd, (int) ((value - lo) >>> 12));
            return lo == 0 ? this : addiw(rd, rd, lo);
        }
        int lo = (int) (value << 52 >> 52);
        li(rd, (value - lo) >> 12);
        slli(rd, rd, 12);
        return lo == 0 ? this : addi(rd, rd, lo);
    }

    /** Address of a label, pc-relative: auipc + addi. */
    Asm la(int rd, String label) {
        fixup(Form.AUIPC_ADDI, label);
        word(rd << 7 | 0x17);
        return word(i(0, rd, 0, rd, 0x13));
    }

    Asm mv(int rd, int rs) { return addi(rd, rs, 0); }

    // ---- RVC, encoded from the RISC-V ISA manual's "C" extension tables ----

    private static int creg(int r) {
        if (r < 8 || r > 15) throw new IllegalArgumentException("not a compressed register: x" + r);
        return r - 8;
    }

    private static int imm6(int imm) {
        checkRange(imm, -32, 31);
        return ((imm >> 5) & 1) << 12 | (imm & 31) << 2;
    }

    Asm cAddi(int rd, int imm) { return half(0b000 << 13 | imm6(imm) | rd << 7 | 0b01); }
    Asm cAddiw(int rd, int imm) { return half(0b001 << 13 | imm6(imm) | rd << 7 | 0b01); }
    Asm cLi(int rd, int imm) { return half(0b010 << 13 | imm6(imm) | rd << 7 | 0b01); }
    Asm cNop() { return half(0x0001); }

    /** c.lui rd, nzimm[17:12]: {@code imm} is the 6-bit signed upper immediate. */
    Asm cLui(int rd, int imm) { return half(0b011 << 13 | imm6(imm) | rd << 7 | 0b01); }

    Asm cAddi16sp(int imm) {
        checkRange(imm, -512, 496);
        int bits = ((imm >> 9) & 1) << 12 | ((imm >> 4) & 1) << 6 | ((imm >> 6) & 1) << 5
                | ((imm >> 7) & 3) << 3 | ((imm >> 5) & 1) << 2;
        return half(0b011 << 13 | bits | SP << 7 | 0b01);
    }

    Asm cAddi4spn(int rd, int uimm) {
        checkRange(uimm, 0, 1020);
        int bits = ((uimm >> 4) & 3) << 11 | ((uimm >> 6) & 0xf) << 7 | ((uimm >> 2) & 1) << 6 | ((uimm >> 3) & 1) << 5;
        return half(0b000 << 13 | bits | creg(rd) << 2 | 0b00);
    }

    Asm cLw(int rd, int rs1, int uimm) { return half(0b010 << 13 | clwImm(uimm) | creg(rs1) << 7 | creg(rd) << 2); }
    Asm cSw(int rs2, int rs1, int uimm) { return half(0b110 << 13 | clwImm(uimm) | creg(rs1) << 7 | creg(rs2) << 2); }
    Asm cLd(int rd, int rs1, int uimm) { return half(0b011 << 13 | cldImm(uimm) | creg(rs1) << 7 | creg(rd) << 2); }
    Asm cSd(int rs2, int rs1, int uimm) { return half(0b111 << 13 | cldImm(uimm) | creg(rs1) << 7 | creg(rs2) << 2); }

    private static int clwImm(int uimm) {
        checkRange(uimm, 0, 124);
        return ((uimm >> 3) & 7) << 10 | ((uimm >> 2) & 1) << 6 | ((uimm >> 6) & 1) << 5;
    }

    private static int cldImm(int uimm) {
        checkRange(uimm, 0, 248);
        return ((uimm >> 3) & 7) << 10 | ((uimm >> 6) & 3) << 5;
    }

    Asm cLwsp(int rd, int uimm) {
        checkRange(uimm, 0, 252);
        return half(0b010 << 13 | ((uimm >> 5) & 1) << 12 | rd << 7 | ((uimm >> 2) & 7) << 4 | ((uimm >> 6) & 3) << 2 | 0b10);
    }

    Asm cLdsp(int rd, int uimm) {
        checkRange(uimm, 0, 504);
        return half(0b011 << 13 | ((uimm >> 5) & 1) << 12 | rd << 7 | ((uimm >> 3) & 3) << 5 | ((uimm >> 6) & 7) << 2 | 0b10);
    }

    Asm cSwsp(int rs2, int uimm) {
        checkRange(uimm, 0, 252);
        return half(0b110 << 13 | ((uimm >> 2) & 0xf) << 9 | ((uimm >> 6) & 3) << 7 | rs2 << 2 | 0b10);
    }

    Asm cSdsp(int rs2, int uimm) {
        checkRange(uimm, 0, 504);
        return half(0b111 << 13 | ((uimm >> 3) & 7) << 10 | ((uimm >> 6) & 7) << 7 | rs2 << 2 | 0b10);
    }

    Asm cJ(String label) { fixup(Form.CJ, label); return half(0b101 << 13 | 0b01); }
    Asm cBeqz(int rs1, String label) { fixup(Form.CB, label); return half(0b110 << 13 | creg(rs1) << 7 | 0b01); }
    Asm cBnez(int rs1, String label) { fixup(Form.CB, label); return half(0b111 << 13 | creg(rs1) << 7 | 0b01); }

    static int cjImm(int off) {
        checkRange(off, -2048, 2046);
        return ((off >> 11) & 1) << 12 | ((off >> 4) & 1) << 11 | ((off >> 8) & 3) << 9 | ((off >> 10) & 1) << 8
                | ((off >> 6) & 1) << 7 | ((off >> 7) & 1) << 6 | ((off >> 1) & 7) << 3 | ((off >> 5) & 1) << 2;
    }

    static int cbImm(int off) {
        checkRange(off, -256, 254);
        return ((off >> 8) & 1) << 12 | ((off >> 3) & 3) << 10 | ((off >> 6) & 3) << 5 | ((off >> 1) & 3) << 3
                | ((off >> 5) & 1) << 2;
    }

    Asm cMv(int rd, int rs2) { return half(0b100 << 13 | rd << 7 | rs2 << 2 | 0b10); }
    Asm cAdd(int rd, int rs2) { return half(0b100 << 13 | 1 << 12 | rd << 7 | rs2 << 2 | 0b10); }
    Asm cJr(int rs1) { return half(0b100 << 13 | rs1 << 7 | 0b10); }
    Asm cJalr(int rs1) { return half(0b100 << 13 | 1 << 12 | rs1 << 7 | 0b10); }
    Asm cEbreak() { return half(0x9002); }

    Asm cSlli(int rd, int shamt) { return half(((shamt >> 5) & 1) << 12 | rd << 7 | (shamt & 31) << 2 | 0b10); }
    Asm cSrli(int rd, int shamt) { return half(0b100 << 13 | ((shamt >> 5) & 1) << 12 | creg(rd) << 7 | (shamt & 31) << 2 | 0b01); }
    Asm cSrai(int rd, int shamt) { return half(0b100 << 13 | ((shamt >> 5) & 1) << 12 | 1 << 10 | creg(rd) << 7 | (shamt & 31) << 2 | 0b01); }
    Asm cAndi(int rd, int imm) { return half(0b100 << 13 | 2 << 10 | imm6(imm) | creg(rd) << 7 | 0b01); }

    Asm cSub(int rd, int rs2) { return cArith(0, 0, rd, rs2); }
    Asm cXor(int rd, int rs2) { return cArith(0, 1, rd, rs2); }
    Asm cOr(int rd, int rs2) { return cArith(0, 2, rd, rs2); }
    Asm cAnd(int rd, int rs2) { return cArith(0, 3, rd, rs2); }
    Asm cSubw(int rd, int rs2) { return cArith(1, 0, rd, rs2); }
    Asm cAddw(int rd, int rs2) { return cArith(1, 1, rd, rs2); }

    private Asm cArith(int bit12, int sel, int rd, int rs2) {
        return half(0b100 << 13 | bit12 << 12 | 3 << 10 | creg(rd) << 7 | sel << 5 | creg(rs2) << 2 | 0b01);
    }

    // ---- helpers ----

    private void fixup(Form form, String label) { fixups.add(new Fixup(size, form, label)); }

    private int read32(int at) { return read16(at) | read16(at + 2) << 16; }

    private int read16(int at) { return (code[at] & 0xff) | (code[at + 1] & 0xff) << 8; }

    private void patch32(int at, int w) { patch16(at, w & 0xffff); patch16(at + 2, w >>> 16); }

    private void patch16(int at, int h) { code[at] = (byte) h; code[at + 1] = (byte) (h >>> 8); }

    private static void checkRange(int v, int min, int max) {
        if (v < min || v > max) throw new IllegalArgumentException("immediate " + v + " outside [" + min + ", " + max + "]");
    }
}
